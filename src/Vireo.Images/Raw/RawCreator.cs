namespace Vireo.Images.Raw;

/// <summary>qemu-img create -f raw: sparse by default; falloc reserves blocks; full writes zeros.</summary>
public static class RawCreator
{
    public static void Create(string path, long size, string preallocation = "off")
    {
        if (preallocation is not ("off" or "falloc" or "full"))
            throw new ArgumentException($"Invalid parameter '{preallocation}' for preallocation");
        using var f = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        RandomAccess.SetLength(f, size);
        if (preallocation == "falloc" && size > 0) SparseFile.Fallocate(f, 0, size);
        if (preallocation == "full")
        {
            var zeros = new byte[4 * 1024 * 1024];
            for (long pos = 0; pos < size; pos += zeros.Length)
                RandomAccess.Write(f, zeros.AsSpan(0, (int)Math.Min(zeros.Length, size - pos)), pos);
        }
        RandomAccess.FlushToDisk(f);
    }

    public static void Fallocate(Microsoft.Win32.SafeHandles.SafeFileHandle f, long offset, long length) => SparseFile.Fallocate(f, offset, length);
}
