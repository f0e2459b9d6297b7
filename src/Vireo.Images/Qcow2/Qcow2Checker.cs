using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Qcow2;

/// <summary>
/// qemu-img check for qcow2, step for step as qemu 7.2 does it (qcow2_co_check_locked): the snapshot
/// table is read and checked, every cluster's references are counted from the metadata into an
/// in-memory refcount table (header, L1/L2 tables with their entries' sanity checks, snapshots,
/// refcount structures, bitmaps), compared with the stored refcounts and the COPIED flags, and with
/// -r repaired in place (or the refcount structure rebuilt). The same messages, counters and verdict
/// as qemu-img check; every write a repair makes is overlap-checked as qemu checks it.
/// </summary>
public sealed partial class Qcow2Checker
{
    private const ulong L1ReservedMask = 0x7f000000000001ffUL;
    private const ulong L2ReservedMask = 0x3f000000000001feUL;
    private const ulong RefTableReservedMask = 0x1ffUL;
    private const ulong RefTableOffsetMask = ~0x1ffUL;

    private readonly SafeFileHandle _file;
    private readonly string _path;
    private readonly Qcow2Header _h;
    private readonly long _cs;
    private readonly int _clusterBits;
    private readonly int _refcountBits;
    private readonly ulong _refcountMax;
    private readonly int _refblockBits;
    private readonly RepairMode _fix;
    private readonly List<string> _messages = [];
    private long _fileLength;
    private ulong[] _l1 = [];
    private ulong[] _refTable = [];
    private long _refTableOffset;

    private Qcow2Checker(string path, SafeFileHandle file, Qcow2Header header, long fileLength, RepairMode fix)
    {
        _path = path;
        _file = file;
        _h = header;
        _cs = header.ClusterSize;
        _clusterBits = header.ClusterBits;
        _refcountBits = header.RefcountBits;
        _refcountMax = _refcountBits == 64 ? ulong.MaxValue : (1UL << _refcountBits) - 1;
        _refblockBits = _clusterBits + 3 - header.RefcountOrder;
        _fix = fix;
        _fileLength = fileLength;
        _refTableOffset = (long)header.RefcountTableOffset;
    }

    private bool FixLeaks => (_fix & RepairMode.Leaks) != 0;
    private bool FixErrors => (_fix & RepairMode.Errors) != 0;
    private long L2Entries => _cs / _h.L2EntrySize;

    /// <summary>Checks (and with <paramref name="repair"/> repairs) a qcow2 image, as 'qemu-img check' does.</summary>
    /// <exception cref="InvalidDataException">The image cannot be opened (qemu-img: "Could not open").</exception>
    public static async Task<Qcow2CheckResult> CheckAsync(string path, RepairMode repair = RepairMode.None, CancellationToken ct = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, repair == RepairMode.None ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite);
        var c = await OpenAsync(path, file, repair, ct);
        return await c.RunAsync(ct);
    }

    private static async Task<Qcow2Checker> OpenAsync(string path, SafeFileHandle file, RepairMode repair, CancellationToken ct)
    {
        var length = RandomAccess.GetLength(file);
        var header = await Qcow2Tables.ReadHeaderAsync(file, length, ct, forCheck: true);
        var c = new Qcow2Checker(path, file, header, length, repair);
        c._l1 = await c.ReadTableAsync((long)header.L1TableOffset, header.L1Size, ct);
        c._refTable = await c.ReadTableAsync(c._refTableOffset, header.RefcountTableClusters * header.ClusterSize / 8, ct);
        await c.OpenBitmapsAsync(ct);
        return c;
    }

    /// <summary>qcow2_co_check_locked: snapshot table, refcounts, snapshot table repair, then the image is marked clean.</summary>
    private async Task<Qcow2CheckResult> RunAsync(CancellationToken ct)
    {
        var result = new Qcow2CheckResult();
        var snapshotRes = new Qcow2CheckResult();
        var refcountRes = new Qcow2CheckResult();
        try
        {
            await ReadSnapshotTableAsync(snapshotRes, ct);
            await CheckRefcountsAsync(refcountRes, ct);
            result.Add(refcountRes, true);
            await FixSnapshotTableAsync(snapshotRes, ct);
            result.Add(snapshotRes, false);
            if (_fix != RepairMode.None && result.CheckErrors == 0 && result.Corruptions == 0) await MarkCleanAsync(ct);
        }
        catch (Qcow2CheckAbort e)
        {
            // qemu-img prints no summary then, only "Check failed: <error>".
            result.Failure = e.Message;
        }
        result.Warnings.AddRange(_warnings);
        result.Messages.AddRange(_messages);
        result.DriverLost = _driverLost;
        return result;
    }

    /// <summary>qcow2_mark_clean and qcow2_mark_consistent: a repaired image loses its dirty and corrupt bits.</summary>
    private async Task MarkCleanAsync(CancellationToken ct)
    {
        var features = _h.IncompatibleFeatures & ~(Qcow2Header.IncompatDirty | Qcow2Header.IncompatCorrupt);
        if (_h.Version < 3 || features == _h.IncompatibleFeatures) return;
        _h.IncompatibleFeatures = features;
        var field = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(field, features);
        await RandomAccess.WriteAsync(_file, field, 72, ct);
        RandomAccess.FlushToDisk(_file);
    }

    private void Say(string line) => _messages.Add(line);

    private readonly List<string> _warnings = [];

    /// <summary>C's "%#x": 0 stays "0".</summary>
    private static string Hex(ulong v) => v == 0 ? "0" : $"0x{v:x}";

    private long ClustersFor(long bytes) => (long)(((ulong)bytes + (ulong)_cs - 1) >> _clusterBits);
}
