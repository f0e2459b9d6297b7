using System.Security.Cryptography;
using Vireo.Host.Files;

namespace Vireo.Daemon.Secrets;

/// <summary>
/// The key secret values are encrypted with at rest (AES-256-GCM): 32 random bytes in a 0600 file,
/// made on first use. Each stored value is nonce(12) | tag(16) | ciphertext.
/// </summary>
public sealed class HostKey(string path)
{
    private byte[]? _key;

    private byte[] Key
    {
        get
        {
            if (_key is not null) return _key;
            if (!File.Exists(path))
                AtomicFile.WriteAllBytes(path, RandomNumberGenerator.GetBytes(32), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var k = File.ReadAllBytes(path);
            if (k.Length != 32) throw new InvalidDataException($"host key '{path}' is damaged ({k.Length} bytes, expected 32)");
            return _key = k;
        }
    }

    public byte[] Encrypt(byte[] plain)
    {
        var blob = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(blob.AsSpan(0, 12));
        using var aes = new AesGcm(Key, 16);
        aes.Encrypt(blob.AsSpan(0, 12), plain, blob.AsSpan(28), blob.AsSpan(12, 16));
        return blob;
    }

    public byte[] Decrypt(byte[] blob)
    {
        if (blob.Length < 28) throw new InvalidDataException("stored secret value is truncated");
        var plain = new byte[blob.Length - 28];
        using var aes = new AesGcm(Key, 16);
        aes.Decrypt(blob.AsSpan(0, 12), blob.AsSpan(28), blob.AsSpan(12, 16), plain);
        return plain;
    }
}
