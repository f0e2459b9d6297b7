using Vireo.Core.Storage;

namespace Vireo.Core.Domain;

/// <summary>libvirt's memory sizes: a scaled integer (KiB without a unit) of at most 2^63-1 bytes, kept in KiB rounded up.</summary>
public static class MemorySize
{
    public static long ToKiB(string value, string? unit, string where)
    {
        var bytes = ScaledSize.Scaled(value, unit, 1024, long.MaxValue, where);
        return (long)((bytes + 1023) / 1024);
    }
}
