using System.Security.Cryptography;

namespace Vireo.Qemu.Argv;

/// <summary>
/// A secret handed to QEMU the way libvirt does it: AES-256-CBC encrypted under the domain's master
/// key (a 0600 file QEMU reads as the 'masterKey0' object), so the clear value is never on the
/// command line, in the domain log or in QMP traffic.
/// </summary>
public sealed record QemuSecret(string Id, string DataBase64, string IvBase64)
{
    public const string MasterKeyId = "masterKey0";

    public static QemuSecret Encrypt(byte[] masterKey, string id, byte[] value)
    {
        using var aes = Aes.Create();
        aes.Key = masterKey;
        var iv = RandomNumberGenerator.GetBytes(16);
        var data = aes.EncryptCbc(value, iv, PaddingMode.PKCS7);
        return new QemuSecret(id, Convert.ToBase64String(data), Convert.ToBase64String(iv));
    }

    /// <summary>The -object value (also what object-add gets, field by field).</summary>
    public string ObjectSpec => $"secret,id={Id},data={DataBase64},keyid={MasterKeyId},iv={IvBase64},format=base64";

    /// <summary>The id a disk's secret object gets: one per disk target.</summary>
    public static string IdFor(string targetDev) => $"vireo-{OptionToken.Name(targetDev, "disk target")}-secret0";

    /// <summary>Creates the 32-byte master key file (0600) if it is missing and returns the key.</summary>
    public static byte[] EnsureMasterKey(string path)
    {
        if (File.Exists(path) && new FileInfo(path).Length == 32) return File.ReadAllBytes(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            File.SetUnixFileMode(f.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            f.Write(key);
        }
        return key;
    }
}
