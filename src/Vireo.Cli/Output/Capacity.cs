namespace Vireo.Cli.Output;

/// <summary>virsh's vshPrettyCapacity: "39.25 GiB", "196.00 KiB", "0.00 B".</summary>
public static class Capacity
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public static string Pretty(long bytes)
    {
        double v = bytes;
        var u = 0;
        while (v >= 1024 && u < Units.Length - 1) { v /= 1024; u++; }
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{v:0.00} {Units[u]}");
    }
}
