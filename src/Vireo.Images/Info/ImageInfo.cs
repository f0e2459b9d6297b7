using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Vireo.Images.Qcow2;

namespace Vireo.Images.Info;

/// <summary>What 'vireo img info' prints, in qemu-img's human and JSON forms.</summary>
public static partial class ImageInfo
{
    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, Span<byte> buf);

    /// <summary>Allocated bytes on disk (st_blocks * 512), qemu's "actual-size".</summary>
    public static long ActualSize(string path)
    {
        Span<byte> st = stackalloc byte[256];
        // st_blocks is at offset 64 in struct stat on both x86_64 and aarch64.
        return Stat(path, st) == 0 ? BitConverter.ToInt64(st[64..72]) * 512 : 0;
    }

    public static string Human(DiskImage image, string displayName)
    {
        var sb = new StringBuilder();
        sb.Append("image: ").Append(displayName).Append('\n');
        sb.Append("file format: ").Append(image.Format).Append('\n');
        sb.Append($"virtual size: {SizeText.Human(image.VirtualSize)} ({image.VirtualSize} bytes)\n");
        sb.Append("disk size: ").Append(SizeText.Human(ActualSize(image.Path))).Append('\n');
        if (image is Qcow2Image q)
        {
            sb.Append("cluster_size: ").Append(q.ClusterSize).Append('\n');
            if (q.Header.BackingFile is { } bf)
            {
                var full = ImageOpener.FullBackingPath(displayName, bf);
                sb.Append("backing file: ").Append(bf);
                if (full != bf) sb.Append(" (actual path: ").Append(full).Append(')');
                sb.Append('\n');
                if (q.Header.BackingFormat is { } bfmt) sb.Append("backing file format: ").Append(bfmt).Append('\n');
            }
            if (q.Header.Corrupt) sb.Append("corrupt: true\n");
            if (q.Snapshots.Count > 0)
            {
                sb.Append("Snapshot list:\n");
                sb.Append(SnapshotTable(q.Snapshots));
            }
            sb.Append("Format specific information:\n");
            foreach (var (k, v) in FormatSpecific(q))
            {
                if (v is IReadOnlyList<Qcow2Bitmap> bitmaps) { AppendBitmaps(sb, bitmaps); continue; }
                sb.Append("    ").Append(k.Replace('-', ' ')).Append(": ").Append(v is bool b ? (b ? "true" : "false") : v).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>qemu's snapshot listing ("%-9s %-17s %7s%20s%13s%11s").</summary>
    public static string SnapshotTable(IEnumerable<Qcow2Snapshot> snapshots)
    {
        var sb = new StringBuilder();
        sb.Append($"{"ID",-9} {"TAG",-17} {"VM SIZE",7}{"DATE",20}{"VM CLOCK",13}{"ICOUNT",11}\n");
        foreach (var s in snapshots)
        {
            var date = DateTimeOffset.FromUnixTimeSeconds(s.DateSec).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");
            var ms = s.VmClockNsec / 1_000_000;
            var clock = $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}.{ms % 1000:000}";
            var icount = s.Icount is { } ic && ic != ulong.MaxValue ? ic.ToString() : "";
            sb.Append($"{s.Id,-9} {s.Name,-17} {SizeText.Human((long)s.VmStateSize),7}{date,20}{clock,13}{icount,11}\n");
        }
        return sb.ToString();
    }

    private static List<(string Key, object Value)> FormatSpecific(Qcow2Image q)
    {
        var h = q.Header;
        var list = new List<(string, object)> { ("compat", h.Version == 3 ? "1.1" : "0.10"), ("compression-type", h.CompressionName) };
        if (h.Version == 3) list.Add(("lazy-refcounts", h.LazyRefcounts));
        if (q.Bitmaps.Count > 0) list.Add(("bitmaps", q.Bitmaps));
        list.Add(("refcount-bits", h.RefcountBits));
        if (h.Version == 3)
        {
            list.Add(("corrupt", h.Corrupt));
            list.Add(("extended-l2", h.ExtendedL2));
        }
        return list;
    }

    private static IEnumerable<string> BitmapFlags(Qcow2Bitmap b)
    {
        if (b.InUse) yield return "in-use";
        if (b.Auto) yield return "auto";
    }

    private static void AppendBitmaps(StringBuilder sb, IReadOnlyList<Qcow2Bitmap> bitmaps)
    {
        sb.Append("    bitmaps:\n");
        for (var i = 0; i < bitmaps.Count; i++)
        {
            sb.Append("        [").Append(i).Append("]:\n");
            sb.Append("            flags:\n");
            var n = 0;
            foreach (var f in BitmapFlags(bitmaps[i])) sb.Append("                [").Append(n++).Append("]: ").Append(f).Append('\n');
            sb.Append("            name: ").Append(bitmaps[i].Name).Append('\n');
            sb.Append("            granularity: ").Append(bitmaps[i].Granularity).Append('\n');
        }
    }

    public static string Json(DiskImage image, string displayName) => Json([(image, displayName)], chain: false);

    /// <summary>qemu-img's --output=json, keys in qemu's order; with chain, an array over the backing chain.</summary>
    public static string Json(IReadOnlyList<(DiskImage Image, string Name)> images, bool chain)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            if (chain) w.WriteStartArray();
            foreach (var (image, name) in images) WriteOne(w, image, name);
            if (chain) w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void WriteOne(Utf8JsonWriter w, DiskImage image, string name)
    {
        var q = image as Qcow2Image;
        w.WriteStartObject();
        if (q?.Header.BackingFile is not null && q.Header.BackingFormat is { } bfmt) w.WriteString("backing-filename-format", bfmt);
        if (q is { Snapshots.Count: > 0 })
        {
            w.WriteStartArray("snapshots");
            foreach (var s in q.Snapshots)
            {
                w.WriteStartObject();
                if (s.Icount is { } ic && ic != ulong.MaxValue) w.WriteNumber("icount", ic);
                w.WriteNumber("vm-clock-nsec", s.VmClockNsec % 1_000_000_000);
                w.WriteString("name", s.Name);
                w.WriteNumber("date-sec", s.DateSec);
                w.WriteNumber("date-nsec", s.DateNsec);
                w.WriteNumber("vm-clock-sec", s.VmClockNsec / 1_000_000_000);
                w.WriteString("id", s.Id);
                w.WriteNumber("vm-state-size", s.VmStateSize);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteNumber("virtual-size", image.VirtualSize);
        w.WriteString("filename", name);
        if (q is not null) w.WriteNumber("cluster-size", q.ClusterSize);
        w.WriteString("format", image.Format);
        w.WriteNumber("actual-size", ActualSize(image.Path));
        if (q is not null)
        {
            w.WriteStartObject("format-specific");
            w.WriteString("type", "qcow2");
            w.WriteStartObject("data");
            foreach (var (k, v) in FormatSpecific(q))
            {
                if (v is IReadOnlyList<Qcow2Bitmap> bitmaps)
                {
                    w.WriteStartArray(k);
                    foreach (var bm in bitmaps)
                    {
                        w.WriteStartObject();
                        w.WriteStartArray("flags");
                        foreach (var f in BitmapFlags(bm)) w.WriteStringValue(f);
                        w.WriteEndArray();
                        w.WriteString("name", bm.Name);
                        w.WriteNumber("granularity", bm.Granularity);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                else if (v is bool b) w.WriteBoolean(k, b);
                else if (v is int n) w.WriteNumber(k, n);
                else w.WriteString(k, (string)v);
            }
            w.WriteEndObject();
            w.WriteEndObject();
            if (q.Header.BackingFile is { } bf)
            {
                w.WriteString("full-backing-filename", ImageOpener.FullBackingPath(name, bf));
                w.WriteString("backing-filename", bf);
            }
        }
        w.WriteBoolean("dirty-flag", q?.Header.Dirty ?? false);
        w.WriteEndObject();
    }
}
