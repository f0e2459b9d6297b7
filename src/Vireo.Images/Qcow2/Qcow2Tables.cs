using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Qcow2;

/// <summary>L1, L2 and refcount tables: arrays of big-endian 64-bit entries, read and written whole.</summary>
internal static class Qcow2Tables
{
    public static ulong[] Parse(ReadOnlySpan<byte> bytes)
    {
        var t = new ulong[bytes.Length / 8];
        for (var i = 0; i < t.Length; i++) t[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes[(i * 8)..]);
        return t;
    }

    public static byte[] ToBytes(ulong[] entries)
    {
        var b = new byte[entries.Length * 8];
        for (var i = 0; i < entries.Length; i++) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(i * 8), entries[i]);
        return b;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; a short file is corrupt input, named with the offset.</summary>
    public static async ValueTask ReadExactAsync(SafeFileHandle f, Memory<byte> buffer, long offset, CancellationToken ct)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(f, buffer[done..], offset + done, ct);
            if (n == 0) throw new InvalidDataException($"qcow2: unexpected end of file at offset {offset + done} (wanted {buffer.Length} bytes at {offset})");
            done += n;
        }
    }

    public static async ValueTask<ulong[]> ReadAsync(SafeFileHandle f, long offset, long entries, CancellationToken ct)
    {
        var bytes = new byte[entries * 8];
        await ReadExactAsync(f, bytes, offset, ct);
        return Parse(bytes);
    }

    /// <summary>
    /// Reads and parses the header cluster: 64 KiB first, the rest only for larger clusters, so the
    /// common case costs one small read (this is most of what info and check spend on I/O).
    /// </summary>
    public static async ValueTask<Qcow2Header> ReadHeaderAsync(SafeFileHandle f, long length, CancellationToken ct, bool forCheck = false)
    {
        var head = new byte[Math.Min(length, 64 * 1024)];
        await ReadExactAsync(f, head, 0, ct);
        if (head.Length >= 24 && BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(20)) is > 16 and <= 21 and var bits)
        {
            var full = new byte[Math.Min(length, 1L << (int)bits)];
            head.CopyTo(full, 0);
            if (full.Length > head.Length) await ReadExactAsync(f, full.AsMemory(head.Length), head.Length, ct);
            head = full;
        }
        return Qcow2Header.ReadFrom(head, length, forCheck);
    }
}
