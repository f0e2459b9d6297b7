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

    /// <summary>Warnings about the image printed when it is opened (qemu prints them once per open, before the check's lines).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>
    /// Why the check stopped before its end (strerror wording: "Input/output error", "Invalid argument"),
    /// or null when it ran through. qemu-img then prints "Check failed: ..." instead of the summary.
    /// </summary>
    public string? Failure { get; set; }

    /// <summary>
    /// A repair hit a fatal corruption event: qemu drops the image's driver, so the check that follows
    /// the repair fails ("No medium found").
    /// </summary>
    public bool DriverLost { get; set; }

    /// <summary>qemu-img check's exit status: 0 clean, 1 check failed, 2 corruptions, 3 leaks only.</summary>
    public int ExitCode => Failure is not null || CheckErrors > 0 ? 1 : Corruptions > 0 ? 2 : Leaks > 0 ? 3 : 0;

    /// <summary>qemu's qcow2_add_check_result: counters add up; allocation figures come from the refcount pass.</summary>
    internal void Add(Qcow2CheckResult other, bool allocationInfo)
    {
        Corruptions += other.Corruptions;
        Leaks += other.Leaks;
        CheckErrors += other.CheckErrors;
        CorruptionsFixed += other.CorruptionsFixed;
        LeaksFixed += other.LeaksFixed;
        if (!allocationInfo) return;
        ImageEndOffset = other.ImageEndOffset;
        TotalClusters = other.TotalClusters;
        AllocatedClusters = other.AllocatedClusters;
        FragmentedClusters = other.FragmentedClusters;
        CompressedClusters = other.CompressedClusters;
    }

    internal Qcow2CheckResult CountersOnly() => new()
    {
        Corruptions = Corruptions, Leaks = Leaks, CheckErrors = CheckErrors, CorruptionsFixed = CorruptionsFixed, LeaksFixed = LeaksFixed,
        ImageEndOffset = ImageEndOffset, TotalClusters = TotalClusters, AllocatedClusters = AllocatedClusters,
        FragmentedClusters = FragmentedClusters, CompressedClusters = CompressedClusters,
    };

    internal void CopyCountersFrom(Qcow2CheckResult o)
    {
        (Corruptions, Leaks, CheckErrors, CorruptionsFixed, LeaksFixed) = (o.Corruptions, o.Leaks, o.CheckErrors, o.CorruptionsFixed, o.LeaksFixed);
        (ImageEndOffset, TotalClusters, AllocatedClusters) = (o.ImageEndOffset, o.TotalClusters, o.AllocatedClusters);
        (FragmentedClusters, CompressedClusters) = (o.FragmentedClusters, o.CompressedClusters);
    }
}

/// <summary>A check step that cannot go on, with qemu's errno wording; the check ends with "Check failed: ...".</summary>
internal sealed class Qcow2CheckAbort(string error) : Exception(error);
