namespace Vireo.Cli.Output;

/// <summary>
/// vol-upload / vol-download progress: "Uploading: 42% (27.00 MiB of 64.00 MiB)" redrawn on stderr
/// when stderr is a terminal; nothing when it is not, so scripts keep clean output.
/// </summary>
public sealed class TransferProgress(string verb, long? total, TextWriter err, bool enabled)
{
    private long _done;
    private int _lastPercent = -1;

    public static TransferProgress ForTerminal(string verb, long? total, TextWriter err) =>
        new(verb, total, err, !Console.IsErrorRedirected);

    public void Add(int bytes)
    {
        _done += bytes;
        if (!enabled) return;
        var percent = total is > 0 ? (int)(100 * _done / total.Value) : -1;
        if (percent == _lastPercent && percent >= 0) return;
        _lastPercent = percent;
        err.Write(total is > 0
            ? $"\r{verb}: {percent,3}% ({Capacity.Pretty(_done)} of {Capacity.Pretty(total.Value)})"
            : $"\r{verb}: {Capacity.Pretty(_done)}");
        err.Flush();
    }

    public void Done()
    {
        if (enabled) err.WriteLine();
    }

    public long Transferred => _done;
}

/// <summary>A read-only stream that reports every read to a <see cref="TransferProgress"/>.</summary>
public sealed class ProgressStream(Stream inner, TransferProgress progress) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        progress.Add(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        progress.Add(n);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
