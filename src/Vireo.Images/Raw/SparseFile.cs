using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Raw;

/// <summary>lseek(SEEK_DATA/SEEK_HOLE), so copies of sparse files skip the holes.</summary>
internal static partial class SparseFile
{
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(SafeFileHandle fd, long offset, int whence);

    /// <summary>The next offset at or after <paramref name="from"/> holding data, or -1 if none (ENXIO).</summary>
    public static long NextData(SafeFileHandle f, long from)
    {
        var r = lseek(f, from, SEEK_DATA);
        // Filesystems without SEEK_DATA support report everything as data.
        return r >= 0 ? r : Marshal.GetLastPInvokeError() == 6 /* ENXIO */ ? -1 : from;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int posix_fallocate(SafeFileHandle fd, long offset, long len);

    /// <summary>Reserves blocks for [offset, offset+length) (preallocation=falloc).</summary>
    public static void Fallocate(SafeFileHandle f, long offset, long length)
    {
        var err = posix_fallocate(f, offset, length);
        if (err != 0) throw new IOException($"Could not preallocate data for the new file: error {err}");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fallocate(SafeFileHandle fd, int mode, long offset, long len);

    /// <summary>
    /// Gives the blocks of [offset, offset+length) back to the filesystem, keeping the file's size
    /// (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE), as qemu discards freed clusters. Best effort: false where
    /// the filesystem cannot.
    /// </summary>
    public static bool PunchHole(SafeFileHandle f, long offset, long length) => fallocate(f, 0x02 | 0x01, offset, length) == 0;

    public static long NextHole(SafeFileHandle f, long from)
    {
        var r = lseek(f, from, SEEK_HOLE);
        return r >= 0 ? r : RandomAccess.GetLength(f);
    }
}
