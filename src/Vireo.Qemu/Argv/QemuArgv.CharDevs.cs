using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Qemu.Argv;

public static partial class QemuArgv
{
    private static void CharDevs(DomainDefinition d, QemuPaths paths, ArgvBuilder a)
    {
        var serials = d.Serials.ToList();
        // A <console> with a serial target and no <serial> stands for serial port 0, as in libvirt.
        if (serials.Count == 0 && d.Consoles.FirstOrDefault(c => c.TargetType is null or "serial") is { } compat)
            serials.Add(compat);
        var i = 0;
        foreach (var s in serials)
        {
            var port = s.TargetPort ?? i;
            a.Add("-chardev", Chardev(s, $"charserial{port}", paths, paths.SerialSocket(port), log: port == 0));
            var device = s.Element.Element("target")?.Element("model")?.Attribute("name")?.Value
                ?? (s.TargetType == "pci-serial" ? "pci-serial" : s.TargetType == "usb-serial" ? "usb-serial" : IsX86(d) ? "isa-serial" : null);
            if (device is not null)
                a.Add("-device", $"{device},chardev=charserial{port},id=serial{port}");
            i++;
        }
        var nr = 1;
        foreach (var c in d.Consoles.Where(c => c.TargetType == "virtio"))
        {
            var id = $"console{nr}";
            a.Add("-chardev", Chardev(c, $"char{id}", paths, Path.Combine(paths.RunDir, $"{id}.sock"), log: false));
            a.Add("-device", $"virtconsole,bus=virtio-serial0.0,nr={nr},chardev=char{id},id={id}");
            nr++;
        }
        var ch = 0;
        foreach (var c in d.Channels)
        {
            var id = $"channel{ch}";
            switch (c.TargetType)
            {
                case "virtio":
                    var name = c.TargetName ?? $"vireo.channel.{ch}";
                    var defaultPath = paths.ChannelSocket(name);
                    a.Add("-chardev", Chardev(c, $"char{id}", paths, defaultPath, log: false));
                    a.Add("-device", $"virtserialport,bus=virtio-serial0.0,nr={nr++},chardev=char{id},id={id},name={Escape(name)}");
                    break;
                case "guestfwd":
                    var addr = c.Element.Element("target");
                    a.Add("-chardev", Chardev(c, $"char{id}", paths, Path.Combine(paths.RunDir, $"{id}.sock"), log: false));
                    var fwdAddress = addr?.Attribute("address")?.Value is { } fa && System.Net.IPAddress.TryParse(fa, out var ip) && !fa.Contains('%') ? ip.ToString()
                        : throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(c.Element)} guestfwd needs <target address='IP'>");
                    a.Add("-netdev", $"user,guestfwd=tcp:{fwdAddress}:{Port(addr?.Attribute("port")?.Value, c)}-chardev:char{id},id={id}");
                    break;
                default:
                    throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(c.Element)} channel target type '{c.TargetType}'");
            }
            ch++;
        }
    }

    /// <summary>sockaddr_un holds 108 bytes with the final NUL: a longer path would fail inside QEMU, with a worse message.</summary>
    internal static string UnixSocket(string path, System.Xml.Linq.XElement? where)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) <= 107) return path;
        throw new VireoException(ErrorCode.ConfigUnsupported,
            $"unsupported configuration: {(where is null ? "" : SafeXml.Where(where) + ": ")}unix socket path '{path}' is longer than the 107 bytes a socket address holds" +
            " (give the domain a shorter name, or vireod a shorter --root)");
    }

    /// <summary>
    /// A chardev backend. 'pty' becomes a unix socket that vireod serves as the console (over the
    /// API and the CLI), since a daemonized QEMU's pty has no reader; the console is also logged.
    /// </summary>
    private static string Chardev(CharDevDef c, string id, QemuPaths paths, string defaultSocket, bool log)
    {
        var logOpt = log ? $",logfile={Escape(paths.ConsoleLog)},logappend=on" : "";
        var src = c.Element.Element("source");
        var reconnect = src?.Element("reconnect") is { } r && r.Attribute("enabled")?.Value == "yes" ? $",reconnect={OptionToken.Number(r.Attribute("timeout")?.Value ?? "", "reconnect timeout")}" : "";
        return c.Type switch
        {
            "pty" or "vc" when c.Kind != "channel" || c.Type == "pty" => $"socket,id={id},path={Escape(UnixSocket(defaultSocket, c.Element))},server=on,wait=off{logOpt}",
            "unix" => c.SourceMode == "connect"
                ? $"socket,id={id},path={Escape(UnixSocket(c.SourcePath!, src ?? c.Element))}{reconnect}{logOpt}"
                : $"socket,id={id},path={Escape(UnixSocket(c.SourcePath ?? defaultSocket, c.SourcePath is null ? c.Element : src))},server=on,wait=off{logOpt}",
            "tcp" => $"socket,id={id},host={OptionToken.Host(c.SourceHost ?? "127.0.0.1", "chardev host")},port={Port(c.SourceService, c)}{(c.Protocol == "telnet" ? ",telnet=on" : "")}{(c.SourceMode == "connect" ? reconnect : ",server=on,wait=off")}{logOpt}",
            "udp" => $"udp,id={id},host={(c.SourceHost is { } h ? OptionToken.Host(h, "chardev host") : "")},port={Port(c.SourceService, c)}",
            "file" => $"file,id={id},path={Escape(c.SourcePath!)}{(src?.Attribute("append")?.Value == "on" ? ",append=on" : "")}",
            "pipe" => $"pipe,id={id},path={Escape(c.SourcePath!)}",
            "dev" => $"tty,id={id},path={Escape(c.SourcePath!)}",
            "null" => $"null,id={id}",
            "spicevmc" => $"spicevmc,id={id},name=vdagent",
            "stdio" => throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: {SafeXml.Where(c.Element)} a daemonized QEMU has no stdio; use type='pty' and 'vireo console'"),
            _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(c.Element)} chardev type '{c.Type}'"),
        };
    }

    /// <summary>A TCP or UDP port: digits only, 0-65535.</summary>
    private static string Port(string? value, CharDevDef c) =>
        value is { Length: > 0 and <= 5 } v && v.All(char.IsAsciiDigit) && int.Parse(v) <= 65535 ? v
            : throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(c.Element)} port '{Core.Names.Text.Printable(value ?? "")}' is not a port number");

    /// <summary>Renders argv as one shell-quoted line, as 'virsh domxml-to-native' prints it.</summary>
    public static string ToShell(IEnumerable<string> argv) => string.Join(' ', argv.Select(ShellQuote));

    public static string ShellQuote(string s) =>
        s.Length > 0 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./=:,+@%".Contains(ch)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
