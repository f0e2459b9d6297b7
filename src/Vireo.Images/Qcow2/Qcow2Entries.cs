namespace Vireo.Images.Qcow2;

/// <summary>Bit layout of L1 and L2 entries (qcow2.txt "Cluster mapping").</summary>
internal static class Qcow2Entries
{
    public const ulong Copied = 1UL << 63;
    public const ulong Compressed = 1UL << 62;
    public const ulong ZeroFlag = 1UL << 0;
    public const ulong OffsetMask = 0x00fffffffffffe00UL;

    public static long L1Offset(ulong entry) => (long)(entry & OffsetMask);

    public static long StandardOffset(ulong entry) => (long)(entry & OffsetMask);

    /// <summary>Host offset and byte length of a compressed cluster's data.</summary>
    public static (long Offset, int Length) CompressedRange(ulong entry, int clusterBits)
    {
        var shift = 62 - (clusterBits - 8);
        var offset = (long)(entry & ((1UL << shift) - 1));
        var sectors = (long)((entry >> shift) & ((1UL << (clusterBits - 8)) - 1)) + 1;
        return (offset, (int)(sectors * 512 - (offset & 511)));
    }

    public static ulong MakeCompressed(long offset, int length, int clusterBits)
    {
        var shift = 62 - (clusterBits - 8);
        var sectors = (ulong)((offset + length - 1) / 512 - offset / 512);
        return Compressed | (sectors << shift) | (ulong)offset;
    }
}
