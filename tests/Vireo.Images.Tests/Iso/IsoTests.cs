using System.Diagnostics;
using System.Text;
using Vireo.Images.Iso;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Iso;

public class IsoTests
{
    private static readonly Dictionary<string, byte[]> Seed = new()
    {
        ["user-data"] = Encoding.UTF8.GetBytes("#cloud-config\nhostname: vireo-test\npassword: secret\nchpasswd: { expire: False }\n"),
        ["meta-data"] = Encoding.UTF8.GetBytes("instance-id: iid-vireo-1\nlocal-hostname: vireo-test\n"),
        ["network-config"] = Encoding.UTF8.GetBytes(new string('x', 5000)),
    };

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        var e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool} failed: {e}");
        return o;
    }

    [SkippableFact]
    public void Cloud_init_seed_is_read_by_isoinfo_and_blkid()
    {
        Skip.IfNot(File.Exists("/usr/bin/isoinfo"), "isoinfo is not installed (test.sh installs genisoimage)");
        using var t = new TempDir();
        IsoWriter.Write(t["seed.iso"], "cidata", Seed);
        var listing = Run("isoinfo", "-J", "-f", "-i", t["seed.iso"]);
        Assert.Equal(["/meta-data", "/network-config", "/user-data"], listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        foreach (var (name, content) in Seed)
            Assert.Equal(Encoding.UTF8.GetString(content), Run("isoinfo", "-J", "-i", t["seed.iso"], "-x", "/" + name));
        Assert.Contains("Volume id: cidata", Run("isoinfo", "-d", "-i", t["seed.iso"]));
        if (File.Exists("/usr/sbin/blkid") || File.Exists("/sbin/blkid"))
            Assert.Equal("cidata", Run("blkid", "-o", "value", "-s", "LABEL", t["seed.iso"]).Trim());
        // The plain ISO 9660 names stay valid 8.3 names for readers without Joliet.
        Assert.Contains("USER_DAT.;1", Run("isoinfo", "-l", "-i", t["seed.iso"]));
    }

    [Fact]
    public void Our_reader_reads_our_writer()
    {
        using var t = new TempDir();
        IsoWriter.Write(t["seed.iso"], "cidata", Seed);
        using var r = IsoReader.Open(t["seed.iso"]);
        Assert.Equal("cidata", r.VolumeId);
        Assert.Equal("joliet", r.Naming);
        foreach (var (name, content) in Seed) Assert.Equal(content, r.ReadFile(name));
    }

    [SkippableTheory]
    [InlineData("-J")]
    [InlineData("-r")]
    [InlineData("")]
    public void Images_made_by_genisoimage_are_read(string naming)
    {
        Skip.IfNot(File.Exists("/usr/bin/genisoimage"), "genisoimage is not installed");
        using var t = new TempDir();
        var src = Directory.CreateDirectory(t["src"]).FullName;
        Directory.CreateDirectory(Path.Combine(src, "boot", "grub"));
        File.WriteAllText(Path.Combine(src, "boot", "grub", "grub.cfg"), "set timeout=5\n");
        File.WriteAllBytes(Path.Combine(src, "big.bin"), Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray());
        File.WriteAllText(Path.Combine(src, "README.TXT"), "hello");
        var args = new List<string> { "-quiet", "-V", "MYDISC", "-o", t["x.iso"] };
        if (naming.Length > 0) args.Add(naming);
        args.Add(src);
        Run("genisoimage", [.. args]);
        using var r = IsoReader.Open(t["x.iso"]);
        Assert.Equal("MYDISC", r.VolumeId);
        var grub = naming == "" ? "BOOT/GRUB/GRUB.CFG" : "boot/grub/grub.cfg";
        var big = naming == "" ? "BIG.BIN" : "big.bin";
        Assert.Equal("set timeout=5\n", Encoding.UTF8.GetString(r.ReadFile(grub)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(src, "big.bin")), r.ReadFile(big));
        Assert.Equal(naming switch { "-J" => "joliet", "-r" => "rockridge", _ => "iso9660" }, r.Naming);
    }

    [Fact]
    public void Damaged_images_are_errors_not_crashes()
    {
        using var t = new TempDir();
        IsoWriter.Write(t["seed.iso"], "cidata", Seed);
        var bytes = File.ReadAllBytes(t["seed.iso"]);
        var rnd = new Random(5);
        for (var round = 0; round < 200; round++)
        {
            var b = (byte[])bytes.Clone();
            for (var i = 0; i < 4; i++) b[16 * 2048 + rnd.Next(0, 9 * 2048)] ^= (byte)(1 << rnd.Next(8));
            File.WriteAllBytes(t["bad.iso"], b);
            try
            {
                using var r = IsoReader.Open(t["bad.iso"]);
                foreach (var e in r.Entries.Where(e => !e.IsDirectory && e.Length < 1 << 20)) r.ReadFile(e.Path);
            }
            catch (InvalidDataException) { }
        }
        File.WriteAllBytes(t["short.iso"], bytes.AsSpan(0, 100).ToArray());
        Assert.Throws<InvalidDataException>(() => IsoReader.Open(t["short.iso"]));
    }
}
