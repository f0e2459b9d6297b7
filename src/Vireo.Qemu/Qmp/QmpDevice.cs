using System.Text;
using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// A device for device_add: its driver and its properties in order (id, bus, and the driver's own). Made from
/// the same -device value the command line takes, so a device plugged later is exactly the one a start would make.
/// </summary>
public sealed record QmpDevice(string Driver, IReadOnlyList<KeyValuePair<string, JsonValue>> Properties)
{
    // QEMU's device_add parses properties from their JSON type: these are numbers there, strings elsewhere.
    private static readonly HashSet<string> IntProperties = ["bootindex", "unit", "lun", "scsi-id", "channel", "num-queues"];

    /// <summary>The device id (the id= property), which device_del and DEVICE_DELETED name it by.</summary>
    public string? Id => (string?)Properties.FirstOrDefault(p => p.Key == "id").Value;

    /// <summary>The bus it goes on, when it names one.</summary>
    public string? Bus => (string?)Properties.FirstOrDefault(p => p.Key == "bus").Value;

    /// <summary>From a -device value ("virtio-blk-pci,drive=x,id=y"), with QEMU's ",," for a comma inside a value.</summary>
    public static QmpDevice FromSpec(string spec)
    {
        var parts = SplitSpec(spec);
        var props = new List<KeyValuePair<string, JsonValue>>();
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=');
            var (k, v) = eq < 0 ? (p, "on") : (p[..eq], p[(eq + 1)..]);
            props.Add(new(k, IntProperties.Contains(k) && long.TryParse(v, out var n) ? JsonValue.Create(n) : JsonValue.Create(v)));
        }
        return new QmpDevice(parts[0], props);
    }

    /// <summary>The same device on <paramref name="bus"/> (a q35 root port chosen when it is plugged).</summary>
    public QmpDevice OnBus(string bus) =>
        this with { Properties = [.. Properties.Where(p => p.Key != "bus"), new("bus", JsonValue.Create(bus))] };

    internal JsonObject ToArguments()
    {
        var args = new JsonObject { ["driver"] = Driver };
        foreach (var (k, v) in Properties) args[k] = v.DeepClone();
        return args;
    }

    private static List<string> SplitSpec(string spec)
    {
        var parts = new List<string>();
        var cur = new StringBuilder();
        for (var i = 0; i < spec.Length; i++)
        {
            if (spec[i] == ',' && i + 1 < spec.Length && spec[i + 1] == ',') { cur.Append(','); i++; }
            else if (spec[i] == ',') { parts.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(spec[i]);
        }
        parts.Add(cur.ToString());
        return parts;
    }
}
