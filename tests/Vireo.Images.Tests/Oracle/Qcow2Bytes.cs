using System.Buffers.Binary;

namespace Vireo.Images.Tests.Oracle;

/// <summary>Where a qcow2 image's structures lie in its bytes, and big-endian patching of them, for damage tests.</summary>
public static class Qcow2Bytes
{
    public const ulong Copied = 1UL << 63;
    public const ulong OffsetMask = 0x00fffffffffffe00UL;

    public static ulong U64(byte[] b, long at) => BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan((int)at));
    public static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan((int)at));
    public static void Put64(byte[] b, long at, ulong v) => BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan((int)at), v);
    public static void Put32(byte[] b, long at, uint v) => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan((int)at), v);

    public static int ClusterSize(byte[] b) => 1 << (int)U32(b, 20);
    public static long L1(byte[] b) => (long)U64(b, 40);
    public static long RefTable(byte[] b) => (long)U64(b, 48);
    public static long SnapshotTable(byte[] b) => (long)U64(b, 64);
    public static bool ExtendedL2(byte[] b) => U32(b, 4) == 3 && (U64(b, 72) & (1UL << 4)) != 0;
    public static bool CorruptBit(byte[] b) => U32(b, 4) == 3 && (U64(b, 72) & 2) != 0;

    /// <summary>The L2 table the active L1 entry <paramref name="index"/> points to.</summary>
    public static long L2(byte[] b, int index = 0) => (long)(U64(b, L1(b) + index * 8L) & OffsetMask);

    /// <summary>The refcount block refcount table entry <paramref name="index"/> points to.</summary>
    public static long RefBlock(byte[] b, int index = 0) => (long)(U64(b, RefTable(b) + index * 8L) & ~511UL);

    /// <summary>Byte offset of L2 entry <paramref name="index"/> (16-byte entries with extended L2).</summary>
    public static long L2Entry(byte[] b, long l2, int index) => l2 + index * (ExtendedL2(b) ? 16L : 8L);
}
