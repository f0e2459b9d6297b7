namespace Vireo.Images.Qcow2;

[Flags]
public enum RepairMode { None = 0, Leaks = 1, Errors = 2, All = Leaks | Errors }

/// <summary>What 'check' found, with qemu-img's counters.</summary>
public sealed class Qcow2CheckResult
{
    public long Corruptions { get; set; }
    public long Leaks { get; set; }
    public long CheckErrors { get; set; }
    public long CorruptionsFixed { get; set; }
    public long LeaksFixed { get; set; }
    public long ImageEndOffset { get; set; }
    public long TotalClusters { get; set; }
    public long AllocatedClusters { get; set; }
    public long FragmentedClusters { get; set; }
    public long CompressedClusters { get; set; }

    /// <summary>Per-problem lines, as qemu-img prints them on stderr.</summary>
    public List<string> Messages { get; } = [];

    /// <summary>qemu-img check's exit status: 0 clean, 1 check failed, 2 corruptions, 3 leaks only.</summary>
    public int ExitCode => CheckErrors > 0 ? 1 : Corruptions > 0 ? 2 : Leaks > 0 ? 3 : 0;
}
