using System.Text;

namespace Vireo.Images.Cpio;

/// <summary>
/// Writes a cpio archive in the "newc" (SVR4, no CRC) format the Linux kernel unpacks as an
/// initramfs. Header: magic 070701 then 13 eight-digit hex fields; name and data are each
/// padded to a 4-byte boundary.
/// </summary>
public sealed class CpioNewcWriter : IDisposable
{
    public const string Magic = "070701";
    public const int HeaderSize = 110;
    public const string TrailerName = "TRAILER!!!";

    public const uint TypeDirectory = 0x4000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeCharDevice = 0x2000;

    private readonly Stream _out;
    private readonly bool _leaveOpen;
    private uint _nextInode = 1;
    private long _position;
    private bool _finished;

    public CpioNewcWriter(Stream output, bool leaveOpen = false)
    {
        _out = output;
        _leaveOpen = leaveOpen;
    }

    public void AddDirectory(string path, uint permissions = 0x1ED /* 0755 */) =>
        WriteEntry(path, TypeDirectory | permissions, 2, ReadOnlySpan<byte>.Empty);

    public void AddFile(string path, ReadOnlySpan<byte> content, uint permissions = 0x1A4 /* 0644 */) =>
        WriteEntry(path, TypeRegular | permissions, 1, content);

    public void AddSymlink(string path, string target) =>
        WriteEntry(path, TypeSymlink | 0x1FF, 1, Encoding.UTF8.GetBytes(target));

    public void AddCharDevice(string path, uint major, uint minor, uint permissions = 0x180 /* 0600 */) =>
        WriteEntry(path, TypeCharDevice | permissions, 1, ReadOnlySpan<byte>.Empty, major, minor);

    /// <summary>Writes the trailer. Called by Dispose if not called before.</summary>
    public void Finish()
    {
        if (_finished) return;
        WriteEntry(TrailerName, 0, 1, ReadOnlySpan<byte>.Empty, inode: 0);
        _finished = true;
        _out.Flush();
    }

    private void WriteEntry(string path, uint mode, uint nlink, ReadOnlySpan<byte> data,
        uint rdevMajor = 0, uint rdevMinor = 0, uint? inode = null)
    {
        if (_finished) throw new InvalidOperationException("archive already finished");
        var name = Encoding.UTF8.GetBytes(path.TrimStart('/'));
        Span<byte> header = stackalloc byte[HeaderSize];
        Encoding.ASCII.GetBytes(Magic, header);
        ReadOnlySpan<uint> fields =
        [
            inode ?? _nextInode++, mode, 0, 0, nlink, 0, (uint)data.Length,
            0, 0, rdevMajor, rdevMinor, (uint)name.Length + 1, 0,
        ];
        for (var i = 0; i < fields.Length; i++)
            fields[i].TryFormat(header[(6 + i * 8)..], out _, "X8");
        Write(header);
        Write(name);
        Write([0]);
        Pad();
        Write(data);
        Pad();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        _position += bytes.Length;
    }

    private void Pad()
    {
        var pad = (int)((4 - _position % 4) % 4);
        if (pad > 0) Write(stackalloc byte[pad]);
    }

    public void Dispose()
    {
        Finish();
        if (!_leaveOpen) _out.Dispose();
    }
}
