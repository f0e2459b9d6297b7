using System.Security.Cryptography;
using System.Text;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Storage;

namespace Vireo.Daemon.Tests.Secrets;

/// <summary>Where values go: encrypted private files, never back to a client for a private secret, never into the log.</summary>
public sealed class SecretPrivacyTests : IDisposable
{
    private const string A = "95b1ed29-16aa-4e95-9917-c2cd4f3b2791";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly SecretHost _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Values_are_encrypted_in_owner_only_files()
    {
        await _h.Secrets.DefineAsync(SecretHost.Ceph(A, "client.admin secret"));
        var value = "AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ=="u8.ToArray();
        _h.Secrets.SetValue(A, value);

        foreach (var f in new[] { _h.XmlFile(A), _h.ValueFile(A), _h.HostKeyFile })
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(f));
        Assert.Equal(32, new FileInfo(_h.HostKeyFile).Length);
        var stored = File.ReadAllBytes(_h.ValueFile(A));
        Assert.Equal(12 + 16 + value.Length, stored.Length);
        Assert.DoesNotContain("AQB9p8Rd", Encoding.ASCII.GetString(stored));
        Assert.DoesNotContain(Convert.ToBase64String(value)[..12], Encoding.ASCII.GetString(stored));
    }

    [Fact]
    public async Task A_private_value_reaches_the_daemon_but_no_client_and_no_log_line()
    {
        await _h.Secrets.DefineAsync(SecretHost.Ceph(A, "client.admin secret", " private='yes'"));
        _h.Secrets.SetValue(A, "s3cr3t-value"u8.ToArray());

        var refused = Assert.Throws<VireoException>(() => _h.Secrets.GetValue(A));
        Assert.Equal(ErrorCode.OperationInvalid, refused.Code);
        Assert.Equal("operation forbidden: secret is private", refused.Message);
        // QEMU's secret objects and storage backends get it.
        Assert.Equal("s3cr3t-value", Encoding.UTF8.GetString(_h.Secrets.ValueFor(new DiskAuth("admin", "ceph", null, "client.admin secret"))));
        Assert.Equal("s3cr3t-value", Encoding.UTF8.GetString(_h.Secrets.Value(new PoolAuth("ceph", "admin", Guid.Parse(A), null))));

        var lines = _h.Log.Lines;
        Assert.Contains(lines, l => l.EventId == 5003 && l.Text == $"Secret {A}: value set");
        Assert.Contains(lines, l => l.EventId == 5000 && l.Text == $"Secret {A} defined (ceph client.admin secret)");
        Assert.DoesNotContain(lines, l => l.Text.Contains("s3cr3t") || l.Text.Contains(Convert.ToBase64String("s3cr3t-value"u8.ToArray())));
    }

    /// <summary>
    /// The files an earlier vireod wrote, made here byte by byte as it made them: UUID.xml, and UUID.value holding
    /// nonce(12) | tag(16) | AES-256-GCM ciphertext under the 32-byte host.key. An upgrade must read them.
    /// </summary>
    [Fact]
    public void Secrets_and_values_written_by_an_earlier_vireod_load()
    {
        var dir = _h.Paths.SecretDir;
        var key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(_h.HostKeyFile, key);
        File.WriteAllText(Path.Combine(dir, A + ".xml"),
            $"<secret ephemeral='no' private='yes'>\n  <uuid>{A}</uuid>\n  <usage type='ceph'>\n    <name>client.admin secret</name>\n  </usage>\n</secret>\n");
        File.WriteAllBytes(Path.Combine(dir, A + ".value"), Encrypt(key, "AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ=="u8.ToArray()));
        const string unused = "c1f11a6d-8c5d-4a3b-ab7c-fb74dc20eb88";
        File.WriteAllText(Path.Combine(dir, unused + ".xml"), $"<secret ephemeral='no' private='no'>\n  <uuid>{unused}</uuid>\n</secret>\n");
        // Hand-edited files that would not load: the others still do, and the log says why these did not.
        File.WriteAllText(Path.Combine(dir, "broken.xml"), "<secret><uuid>not-a-uuid</uuid></secret>");
        File.WriteAllText(Path.Combine(dir, "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f.xml"), $"<secret><uuid>{Guid.NewGuid()}</uuid></secret>");

        _h.Restart();

        Assert.Equal([Guid.Parse(A), Guid.Parse(unused)], _h.Secrets.List().Select(s => s.Uuid));
        var s = _h.Secrets.Get("client.admin secret");
        Assert.True(s.Private);
        Assert.True(s.HasValue);
        Assert.Equal("AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==", Encoding.ASCII.GetString(_h.Secrets.Value(new PoolAuth("ceph", "admin", Guid.Parse(A), null))));
        Assert.False(_h.Secrets.Get(unused).HasValue);
        Assert.Equal(2, _h.Log.Lines.Count(l => l.EventId == 5002));
        Assert.Contains(_h.Log.Lines, l => l.EventId == 5002 && l.Text.Contains("broken.xml") && l.Text.Contains("'not-a-uuid' is not a valid UUID"));
        // Written again by this vireod, a value stays readable by the same key.
        _h.Secrets.SetValue(unused, "new"u8.ToArray());
        Assert.Equal(key, File.ReadAllBytes(_h.HostKeyFile));
        Assert.Equal("new", Encoding.UTF8.GetString(Decrypt(key, File.ReadAllBytes(Path.Combine(dir, unused + ".value")))));
    }

    private static byte[] Encrypt(byte[] key, byte[] plain)
    {
        var blob = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(blob.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(blob.AsSpan(0, 12), plain, blob.AsSpan(28), blob.AsSpan(12, 16));
        return blob;
    }

    private static byte[] Decrypt(byte[] key, byte[] blob)
    {
        var plain = new byte[blob.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(blob.AsSpan(0, 12), blob.AsSpan(28), blob.AsSpan(12, 16), plain);
        return plain;
    }
}
