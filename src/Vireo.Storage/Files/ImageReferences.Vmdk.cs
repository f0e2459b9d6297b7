using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Vireo.Storage.Files;

public static partial class ImageReferences
{
    private const uint VmdkSparseMagic = 0x564d444b; // "KDMV", little-endian
    private static ReadOnlySpan<byte> VmdkDescriptorStart => "# Disk DescriptorFile"u8;

    private static bool IsVmdk(ReadOnlySpan<byte> head) =>
        (head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == VmdkSparseMagic) || head.StartsWith(VmdkDescriptorStart);

    /// <summary>
    /// A VMDK names other files in its text descriptor: extents (each opened read-write unless RDONLY) and the
    /// parent (parentFileNameHint). A sparse VMDK carries the descriptor inside; QEMU reads only its parent there.
    /// </summary>
    private static IReadOnlyList<ImageReference> Vmdk(byte[] h, Func<ulong, uint, byte[]> at)
    {
        if (h.Length >= 52 && BinaryPrimitives.ReadUInt32LittleEndian(h) == VmdkSparseMagic)
        {
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(28)) * 512;
            var size = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(36)) * 512;
            if (offset == 0 || size == 0) return [];
            return Descriptor(Encoding.UTF8.GetString(at(offset, (uint)Math.Min(size, 64 * 1024))), extents: false);
        }
        return h.AsSpan().StartsWith(VmdkDescriptorStart) ? Descriptor(Encoding.UTF8.GetString(h), extents: true) : [];
    }

    private static List<ImageReference> Descriptor(string text, bool extents)
    {
        var list = new List<ImageReference>();
        foreach (var line in text.Split('\n').Select(l => l.Trim().TrimEnd('\0')))
        {
            if (line.StartsWith("parentFileNameHint=", StringComparison.Ordinal))
                list.Add(new ImageReference("backing file", line["parentFileNameHint=".Length..].Trim('"'), null));
            else if (extents && VmdkExtent().Match(line) is { Success: true } m)
                list.Add(new ImageReference(m.Groups[1].Value == "RDONLY" ? "read-only extent" : "extent", m.Groups[3].Value,
                    m.Groups[2].Value.Contains("SPARSE") ? "vmdk" : "raw"));
        }
        return list;
    }

    /// <summary>An extent line: access, size in sectors, type, "file name" (ZERO extents name none).</summary>
    [GeneratedRegex("^(RW|RDONLY|NOACCESS)\\s+\\d+\\s+(FLAT|SPARSE|VMFS|VMFSSPARSE|VMFSRDM|VMFSRAW|SESPARSE)\\s+\"([^\"]+)\"")]
    private static partial Regex VmdkExtent();
}
