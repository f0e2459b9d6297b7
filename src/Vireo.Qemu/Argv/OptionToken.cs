using System.Text.RegularExpressions;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Names;

namespace Vireo.Qemu.Argv;

/// <summary>
/// Values that go into QEMU's option lists ("key=value,key=value") without escaping, because QEMU
/// takes them as names or numbers: each is checked here, and one that would add or change a key is
/// refused. The definition validator refuses the same values at define time; this is the second
/// line of defence. Free text (paths, serials, names) goes through <see cref="QemuArgv.Escape"/>.
/// </summary>
public static partial class OptionToken
{
    /// <summary>A machine type, CPU model or feature: letters, digits, '-', '_' and '.'.</summary>
    public static string Name(string value, string what) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? value : throw Refuse(what, value);

    /// <summary>A QEMU id (device, netdev, chardev, object): QEMU's own rule.</summary>
    public static string Id(string value, string what) => DomainValidator.IsDeviceId(value) ? value : throw Refuse(what, value);

    /// <summary>A MAC address in libvirt's colon form.</summary>
    public static string Mac(string? value) => value is not null && MacRegex().IsMatch(value) ? value : throw Refuse("MAC address", value ?? "");

    /// <summary>A decimal number written back from its parsed value, so nothing but digits reaches QEMU.</summary>
    public static string Number(string value, string what) =>
        long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, null, out var n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : throw Refuse(what, value);

    /// <summary>A host to listen on or connect to: an IP address or a host name, never a separator.</summary>
    public static string Host(string value, string what) =>
        (System.Net.IPAddress.TryParse(value, out _) && !value.Contains('%')) || DnsNames.HostNameProblem(value) is null ? value : throw Refuse(what, value);

    private static VireoException Refuse(string what, string value) =>
        new(ErrorCode.ConfigUnsupported, $"unsupported configuration: {what} '{Text.Printable(value)}' cannot be put on QEMU's command line");

    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacRegex();
}
