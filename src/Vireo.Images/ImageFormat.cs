using System.Buffers.Binary;

namespace Vireo.Images;

/// <summary>Format probing by magic, as qemu does it. A probe never overrides a format the user named.</summary>
public static class ImageFormat
{
    public const uint Qcow2Magic = 0x514649fb; // "QFI\xfb"

    public static string Probe(ReadOnlySpan<byte> firstBytes)
    {
        if (firstBytes.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(firstBytes) == Qcow2Magic)
        {
            var version = BinaryPrimitives.ReadUInt32BigEndian(firstBytes[4..]);
            // As qemu: version 1 is the old qcow format; anything newer probes as qcow2 (which then names an unsupported version).
            return version == 1 ? "qcow" : "qcow2";
        }
        return "raw";
    }

    public static string Probe(string path)
    {
        using var f = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Span<byte> head = stackalloc byte[512];
        var n = RandomAccess.Read(f, head, 0);
        return Probe(head[..n]);
    }
}
