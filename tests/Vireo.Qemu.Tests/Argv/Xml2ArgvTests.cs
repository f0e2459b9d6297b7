using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Argv;

namespace Vireo.Qemu.Tests.Argv;

/// <summary>
/// xml2argv/CASE.xml -> CASE.args (one option per line), or CASE.err when the definition
/// must be refused. Cases whose name contains "passthrough-cpu" run as if hardware KVM were usable.
/// </summary>
public class Xml2ArgvTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Golden.Dir("xml2argv"), "*.xml").Order())
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Xml_to_argv_matches_golden_file(string name)
    {
        var dir = Golden.Dir("xml2argv");
        var def = DomainDefinition.Parse(File.ReadAllText(Path.Combine(dir, name + ".xml")));
        var host = name.Contains("passthrough-cpu")
            ? new QemuHostOptions(true, "")
            : new QemuHostOptions(false, "/dev/kvm is provided by kvm_pvm (test host)");
        var paths = new QemuPaths($"/run/vireo/qemu/{def.Name}", $"/var/lib/vireo/qemu/{def.Name}", "/var/log/vireo/qemu", def.Name);
        string actual;
        string golden;
        try
        {
            // Disks with <auth> get a fixed stand-in for the encrypted secret, so the golden file is stable.
            var secrets = def.Disks.Where(d => d.Auth is not null)
                .ToDictionary(d => d.TargetDev!, d => new QemuSecret(QemuSecret.IdFor(d.TargetDev!), "Q0lQSEVSVEVYVA==", "SVYxMjM0NTY3ODkwMTIzNA=="));
            actual = Format(QemuArgv.Build(def, paths, host, secrets));
            golden = Path.Combine(dir, name + ".args");
            Assert.False(File.Exists(Path.Combine(dir, name + ".err")), $"{name} was expected to fail");
        }
        catch (VireoException e)
        {
            actual = e.Message + "\n";
            golden = Path.Combine(dir, name + ".err");
        }
        Golden.AssertMatches(golden, actual);
    }

    /// <summary>One option and its value per line, like libvirt's .args files.</summary>
    public static string Format(IReadOnlyList<string> argv)
    {
        var sb = new System.Text.StringBuilder(argv[0]).Append(" \\\n");
        for (var i = 1; i < argv.Count; i++)
        {
            sb.Append(argv[i]);
            if (argv[i].StartsWith('-') && i + 1 < argv.Count && !argv[i + 1].StartsWith('-'))
                sb.Append(' ').Append(argv[++i]);
            sb.Append(i + 1 < argv.Count ? " \\\n" : "\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void Elements_not_applied_are_listed_with_their_lines()
    {
        var def = Core.Domain.DomainDefinition.Parse("<domain type='qemu'><name>t</name><memory>65536</memory>\n<cputune><shares>2048</shares></cputune>\n<memtune/><os><type>hvm</type></os></domain>");
        Assert.Equal(["<cputune> (line 2)", "<memtune> (line 3)"], QemuArgv.NotApplied(def));
    }

    [Fact]
    public void Shell_rendering_quotes_json_and_spaces()
    {
        Assert.Equal("qemu -blockdev '{\"a\":1}' 'x y' plain,ok", QemuArgv.ToShell(["qemu", "-blockdev", "{\"a\":1}", "x y", "plain,ok"]));
    }

    [Fact]
    public void Secrets_are_aes_cbc_under_the_master_key_and_decrypt_to_the_value()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var s = QemuSecret.Encrypt(key, "vireo-vda-secret0", "AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ=="u8.ToArray());
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(Convert.FromBase64String(s.DataBase64), Convert.FromBase64String(s.IvBase64));
        Assert.Equal("AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==", System.Text.Encoding.ASCII.GetString(plain));
        Assert.DoesNotContain("AQB9p8Rd", s.ObjectSpec);
        Assert.StartsWith("secret,id=vireo-vda-secret0,data=", s.ObjectSpec);
    }
}
