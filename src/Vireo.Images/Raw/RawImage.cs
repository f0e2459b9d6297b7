using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Raw;

/// <summary>A raw image: guest offset = file offset. Holes (SEEK_HOLE) map as zero extents.</summary>
public sealed class RawImage : DiskImage
{
    private readonly SafeFileHandle _file;

    private RawImage(string path, SafeFileHandle file)
    {
        Path = path;
        _file = file;
    }

    public override string Format => "raw";
    public override string Path { get; }
    public override long VirtualSize => RandomAccess.GetLength(_file);
    public SafeFileHandle Handle => _file;

    public static RawImage Open(string path, bool writable = false) =>
        new(path, File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite));

    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(_file, buffer[done..], offset + done, ct);
            if (n == 0) break;
            done += n;
        }
        buffer.Span[done..].Clear();
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct = default) =>
        RandomAccess.WriteAsync(_file, data, offset, ct);

    public override ValueTask<IReadOnlyList<Extent>> MapAsync(long offset, long length, CancellationToken ct = default)
    {
        var result = new List<Extent>();
        var end = Math.Min(offset + length, VirtualSize);
        var pos = offset;
        while (pos < end)
        {
            var data = SparseFile.NextData(_file, pos);
            if (data < 0 || data >= end)
            {
                result.Add(new Extent(pos, end - pos, ExtentKind.Zero, pos));
                break;
            }
            // In a raw file every guest offset has a host offset, holes included.
            if (data > pos) result.Add(new Extent(pos, data - pos, ExtentKind.Zero, pos));
            var hole = Math.Min(SparseFile.NextHole(_file, data), end);
            result.Add(new Extent(data, hole - data, ExtentKind.Data, data));
            pos = hole;
        }
        return ValueTask.FromResult<IReadOnlyList<Extent>>(result);
    }

    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }
}
