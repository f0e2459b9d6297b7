using System.Diagnostics;
using System.Text;
using Vireo.Images.Cpio;

namespace Vireo.Images.Tests.Cpio;

public class CpioNewcTests
{
    private static byte[] Sample()
    {
        var ms = new MemoryStream();
        using (var w = new CpioNewcWriter(ms, leaveOpen: true))
        {
            w.AddDirectory("bin");
            w.AddFile("bin/hello", Encoding.UTF8.GetBytes("hi there\n"), 0x1ED);
            w.AddSymlink("bin/sh", "hello");
            w.AddCharDevice("dev/console", 5, 1);
            w.AddFile("odd-name-x", new byte[] { 1, 2, 3 });
        }
        return ms.ToArray();
    }

    [Fact]
    public void Round_trips_through_our_reader()
    {
        var entries = CpioNewcReader.Read(new MemoryStream(Sample())).ToList();
        Assert.Equal(["bin", "bin/hello", "bin/sh", "dev/console", "odd-name-x"], entries.Select(e => e.Name));
        Assert.Equal("hi there\n", Encoding.UTF8.GetString(entries[1].Data));
        Assert.Equal("hello", Encoding.UTF8.GetString(entries[2].Data));
        Assert.Equal((5u, 1u), (entries[3].RdevMajor, entries[3].RdevMinor));
        Assert.Equal(0, Sample().Length % 4);
    }

    [SkippableFact]
    public void Gnu_cpio_lists_and_extracts_it()
    {
        Skip.IfNot(File.Exists("/usr/bin/cpio"), "GNU cpio is not installed (test.sh installs it)");
        var dir = Directory.CreateTempSubdirectory("cpio");
        try
        {
            var archive = Path.Combine(dir.FullName, "a.cpio");
            File.WriteAllBytes(archive, Sample());
            var psi = new ProcessStartInfo("/bin/sh", ["-c", $"cpio -idm --quiet --no-absolute-filenames < {archive} && cat bin/hello && readlink bin/sh"])
            { WorkingDirectory = dir.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            Assert.Equal("hi there\nhello\n", output);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Corrupt_input_names_the_offset()
    {
        var bytes = Sample();
        bytes[0] = (byte)'9';
        var ex = Assert.Throws<InvalidDataException>(() => CpioNewcReader.Read(new MemoryStream(bytes)).ToList());
        Assert.Contains("offset 0", ex.Message);
    }
}
