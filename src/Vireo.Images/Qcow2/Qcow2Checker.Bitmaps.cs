namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Checker
{
    /// <summary>The bitmap directory, each bitmap's table and its data clusters are referenced once each.</summary>
    private async Task CountBitmapsAsync(CancellationToken ct)
    {
        var ext = _h.Extensions.FirstOrDefault(e => e.Type == Qcow2HeaderExtension.Bitmaps);
        // Bitmaps a bitmap-unaware writer invalidated (autoclear bit clear) are not counted, as in qemu:
        // their clusters show up as leaks that -r leaks reclaims.
        if (ext is null || _h.Version < 3 || (_h.AutoclearFeatures & Qcow2Header.AutoclearBitmaps) == 0) return;
        List<Qcow2Bitmap> bitmaps;
        Qcow2BitmapDirectory.Extension e;
        try
        {
            e = Qcow2BitmapDirectory.ParseExtension(ext.Data);
            if (e.DirectoryOffset % (ulong)_cs != 0 || e.DirectoryOffset + e.DirectorySize > (ulong)(_fileClusters * _cs))
                throw new InvalidDataException($"qcow2: the bitmap directory at 0x{e.DirectoryOffset:x} is unaligned or past the end of the file");
            var dir = new byte[e.DirectorySize];
            await ReadAsync(_file, dir, (long)e.DirectoryOffset, ct);
            bitmaps = Qcow2BitmapDirectory.Parse(dir, e.Count, _h, _fileClusters * _cs);
        }
        catch (InvalidDataException ex)
        {
            _r.Messages.Add("ERROR " + ex.Message.Replace("qcow2: ", ""));
            _r.Corruptions++;
            return;
        }
        Reference((long)e.DirectoryOffset, (long)e.DirectorySize);
        foreach (var b in bitmaps)
        {
            Reference((long)b.TableOffset, b.TableSize * 8L);
            foreach (var entry in await ReadTableAsync((long)b.TableOffset, b.TableSize, ct))
            {
                var off = Qcow2BitmapDirectory.DataOffset(entry);
                if (off == 0) continue;
                if (off % _cs != 0)
                {
                    _r.Messages.Add($"ERROR bitmap '{b.Name}' has an unaligned data cluster at 0x{off:x}");
                    _r.Corruptions++;
                    continue;
                }
                Reference(off, _cs);
            }
        }
    }
}
