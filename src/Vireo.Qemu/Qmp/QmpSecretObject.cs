using System.Text.Json.Nodes;
using Vireo.Qemu.Argv;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// A 'secret' object for object-add (qapi/crypto.json SecretProperties): its value given inline (data, encrypted
/// under <see cref="KeyId"/> with <see cref="Iv"/>) or read by QEMU from a file.
/// </summary>
public sealed record QmpSecretObject(string Id, string Format, string? Data = null, string? File = null, string? KeyId = null, string? Iv = null)
{
    /// <summary>The domain's master key, which QEMU reads from its 0600 file (as on the command line).</summary>
    public static QmpSecretObject MasterKey(string keyFile) => new(QemuSecret.MasterKeyId, "raw", File: keyFile);

    /// <summary>A disk's secret, AES-256-CBC encrypted under the master key: the clear value never crosses the monitor.</summary>
    public static QmpSecretObject Encrypted(QemuSecret secret) =>
        new(secret.Id, "base64", Data: secret.DataBase64, KeyId: QemuSecret.MasterKeyId, Iv: secret.IvBase64);

    internal JsonObject ToArguments()
    {
        if ((Data is null) == (File is null)) throw new ArgumentException($"secret object '{Id}' needs exactly one of data and file");
        var args = new JsonObject { ["qom-type"] = "secret", ["id"] = Id };
        if (Data is not null) args["data"] = Data;
        if (File is not null) args["file"] = File;
        if (KeyId is not null) args["keyid"] = KeyId;
        if (Iv is not null) args["iv"] = Iv;
        args["format"] = Format;
        return args;
    }
}
