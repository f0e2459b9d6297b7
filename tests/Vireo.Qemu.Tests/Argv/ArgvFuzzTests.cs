using System.Text;
using System.Text.Json;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Argv;
using Vireo.Tests.Shared;

namespace Vireo.Qemu.Tests.Argv;

/// <summary>
/// Generated values in every domain field that reaches QEMU's command line. Each is refused at define
/// time naming its element, or the argv keeps the structure of the same domain with plain values:
/// the same options, and every option list splits back (QEMU's rules: ',' separates, ",," is a comma)
/// into the same keys, with the generated value intact under its key.
/// </summary>
public class ArgvFuzzTests
{
    private const string Template = """
        <domain type='qemu'>
          <name>{name}</name>
          <uuid>00000000-0000-0000-0000-0000000000aa</uuid>
          <memory unit='MiB'>128</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64' machine='{machine}'>hvm</type><kernel>{kernel}</kernel><cmdline>{cmdline}</cmdline></os>
          <cpu mode='custom'><model>{cpumodel}</model><feature policy='require' name='{cpufeature}'/></cpu>
          <devices>
            <disk type='file' device='disk'><source file='{diskfile}'/><target dev='{diskdev}' bus='virtio'/><serial>{serial}</serial><alias name='{diskalias}'/></disk>
            <interface type='ethernet'><mac address='52:54:00:00:00:01'/><target dev='{tapdev}'/><script path='{script}'/><model type='virtio'/></interface>
            <serial type='file'><source path='{serialfile}'/><target port='0'/></serial>
            <channel type='unix'><source mode='bind' path='{chanpath}'/><target type='virtio' name='{channame}'/></channel>
            <console type='tcp'><source mode='bind' host='{tcphost}' service='{tcpservice}'/><target type='virtio'/></console>
            <graphics type='vnc' listen='{listen}' websocket='{websocket}'/>
            <rng model='virtio'><backend model='random'>{rngfile}</backend></rng>
          </devices>
        </domain>
        """;

    /// <summary>Field, plain value, the element a refusal names, and the option key the value must arrive under intact (null: checked by structure only).</summary>
    private static readonly (string Slot, string Plain, string Element, string? Key)[] Fields =
    [
        ("name", "vm", "<name>", "guest"), ("machine", "pc", "<type>", null), ("kernel", "/boot/vmlinuz", "<kernel>", null),
        ("cmdline", "console=ttyS0", "<cmdline>", null), ("cpumodel", "qemu64", "<model>", null), ("cpufeature", "vmx", "<feature>", null),
        ("diskfile", "/images/d.raw", "<source>", "filename"), ("diskdev", "vda", "<target>", null), ("serial", "S1", "<serial>", "serial"),
        ("diskalias", "ua-disk0", "<alias>", null), ("tapdev", "tap0", "<target>", "ifname"), ("script", "/etc/qemu-ifup", "<script>", "script"),
        ("serialfile", "/var/log/s.log", "<source>", "path"), ("chanpath", "/run/c.sock", "<source>", "path"), ("channame", "org.example.0", "<target>", "name"),
        ("tcphost", "127.0.0.1", "<source>", null), ("tcpservice", "4555", "<source>", null), ("listen", "127.0.0.1", "<graphics>", null),
        ("websocket", "5701", "<graphics>", null), ("rngfile", "/dev/urandom", "<backend>", "filename"),
    ];

    public static TheoryData<string> Slots()
    {
        var data = new TheoryData<string>();
        foreach (var f in Fields) data.Add(f.Slot);
        return data;
    }

    private static string Xml(string slot, string value)
    {
        var xml = Template;
        foreach (var f in Fields) xml = xml.Replace("{" + f.Slot + "}", f.Slot == slot ? FuzzStrings.Xml(value) : f.Plain);
        return xml;
    }

    private static IReadOnlyList<string> Build(DomainDefinition d) => QemuArgv.Build(d,
        new QemuPaths($"/run/vireo/qemu/x", "/var/lib/vireo/qemu/x", "/var/log/vireo/qemu", "x"), QemuHostOptions.TcgOnly);

    [Theory]
    [MemberData(nameof(Slots))]
    public void Generated_values_are_refused_naming_their_element_or_keep_every_option_list_intact(string slot)
    {
        var (_, _, element, key) = Fields.Single(f => f.Slot == slot);
        var baseline = Build(DomainDefinition.Parse(Xml("", "")));
        var accepted = 0;
        foreach (var generated in FuzzStrings.Values(seed: 2000 + Array.FindIndex(Fields, f => f.Slot == slot), count: 150).Prepend(",script=/tmp/pwn"))
        {
            // Aliases only name a device when they carry libvirt's user prefix.
            var value = slot == "diskalias" ? "ua-" + generated : generated;
            DomainDefinition d;
            try { d = DomainDefinition.Parse(Xml(slot, value)); }
            catch (VireoException e)
            {
                Assert.True(e.Message.Contains(element) || e.Code == ErrorCode.InvalidXml && e.Message.Contains("line"), $"{slot}: {e.Message}");
                continue;
            }
            IReadOnlyList<string> argv;
            try { argv = Build(d); }
            catch (VireoException e) when (e.Code == ErrorCode.ConfigUnsupported)
            {
                // What only the host can refuse (a socket path longer than sockaddr_un) is refused at start, naming its element.
                Assert.True(e.Message.Contains(element), $"{slot}: {e.Message}");
                continue;
            }
            accepted++;
            Assert.Equal(baseline.Count, argv.Count);
            for (var i = 1; i < argv.Count; i++)
            {
                if (baseline[i].StartsWith('-'))
                    Assert.Equal(baseline[i], argv[i]);
                else if (argv[i - 1] == "-blockdev")
                    Assert.Equal(JsonKeys(baseline[i]), JsonKeys(argv[i]));
                else if (argv[i - 1] is not ("-kernel" or "-append" or "-pidfile"))
                    Assert.True(Keys(baseline[i]).SequenceEqual(Keys(argv[i])), $"{slot}: '{argv[i]}' does not split like '{baseline[i]}'");
            }
            if (key is not null)
            {
                var expected = slot switch
                {
                    "name" => value.Trim(),
                    "rngfile" => value.Trim() is { Length: > 0 } f ? f : "/dev/urandom",
                    _ => value,
                };
                var found = argv.Where(a => !a.StartsWith('{')).SelectMany(Split).Any(p => p == $"{key}={expected}")
                    || argv.Where(a => a.StartsWith('{')).Any(a => JsonDocument.Parse(a).RootElement.TryGetProperty(key, out var v) && v.GetString() == expected);
                Assert.True(found, $"{slot}: '{expected}' is not on the command line intact under {key}");
            }
        }
        Assert.True(accepted > 0 || slot is "machine" or "cpumodel" or "cpufeature" or "diskdev" or "tcpservice" or "websocket" or "tcphost" or "listen",
            $"{slot}: every generated value was refused");
    }

    /// <summary>QEMU's option-list split: ',' separates, ",," is a literal comma.</summary>
    private static IReadOnlyList<string> Split(string option)
    {
        var parts = new List<string>();
        var cur = new StringBuilder();
        for (var i = 0; i < option.Length; i++)
        {
            if (option[i] == ',' && i + 1 < option.Length && option[i + 1] == ',') { cur.Append(','); i++; }
            else if (option[i] == ',') { parts.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(option[i]);
        }
        parts.Add(cur.ToString());
        return parts;
    }

    /// <summary>The keys of an option list in order; the first part without '=' is QEMU's implied key, later ones are flags (-cpu's +feature).</summary>
    private static IEnumerable<string> Keys(string option) =>
        Split(option).Select((p, i) => p.IndexOf('=') is var eq and >= 0 ? p[..eq] : i == 0 ? "<implied>" : "<flag>");

    private static string JsonKeys(string json) =>
        string.Join(",", JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name));

    [Theory]
    [InlineData("machine", "pc,memory-backend=x")]
    [InlineData("cpumodel", "qemu64,+vmx")]
    [InlineData("diskdev", "vda,x")]
    [InlineData("listen", "0.0.0.0,password=off")]
    [InlineData("tcpservice", "1,server=off")]
    [InlineData("diskalias", "ua-x,bootindex=1")]
    public void The_argv_writer_refuses_tokens_even_when_the_definition_was_not_validated(string slot, string value)
    {
        // Write the value into an accepted definition's tree directly, past define-time validation.
        var d = DomainDefinition.Parse(Xml("", ""));
        var (target, attr) = slot switch
        {
            "machine" => (d.Xml.Element("os")!.Element("type")!, "machine"),
            "cpumodel" => (d.Xml.Element("cpu")!.Element("model")!, null),
            "diskdev" => (d.Xml.Element("devices")!.Element("disk")!.Element("target")!, "dev"),
            "listen" => (d.Xml.Element("devices")!.Element("graphics")!, "listen"),
            "tcpservice" => (d.Xml.Element("devices")!.Element("console")!.Element("source")!, "service"),
            _ => (d.Xml.Element("devices")!.Element("disk")!.Element("alias")!, (string?)"name"),
        };
        if (attr is null) target.Value = value; else target.SetAttributeValue(attr, value);
        d.Reload();
        var e = Assert.Throws<VireoException>(() => Build(d));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.StartsWith("unsupported configuration: ", e.Message);
    }

    [Theory]
    [InlineData("xen")]
    [InlineData("lxc")]
    [InlineData("hvf")]
    [InlineData("test")]
    public void Only_kvm_and_qemu_get_a_command_line(string type)
    {
        var d = DomainDefinition.Parse(Xml("", "").Replace("<domain type='qemu'>", $"<domain type='{type}'>"));
        var e = Assert.Throws<VireoException>(() => Build(d));
        Assert.Equal($"unsupported configuration: Emulator 'qemu-system-x86_64' does not support virt type '{type}'", e.Message);
    }
}
