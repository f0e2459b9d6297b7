using Vireo.Core.Storage;
using Vireo.Daemon.State;
using Vireo.Host.Files;

namespace Vireo.Daemon.Secrets;

/// <summary>
/// The files behind secrets, laid out as vireod has always kept them in ROOT/etc/vireo/secrets: each
/// definition in UUID.xml (a <see cref="DefinitionStore{T}"/> keyed by uuid), its value beside it in
/// UUID.value encrypted with the host key (host.key), every file 0600. Ephemeral secrets have no files.
/// </summary>
public sealed class SecretStore(VireoPaths paths)
{
    public static readonly DefinitionKind<SecretDefinition> Kind = new("secret", SecretDefinition.Parse, KeyOf, d => d.Uuid, d => d.ToXml());

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly HostKey _key = new(Path.Combine(paths.SecretDir, "host.key"));

    public DefinitionStore<SecretDefinition> Definitions { get; } = new(Kind, paths.SecretDir);

    /// <summary>A secret's files are named after its uuid as <see cref="Guid.ToString()"/> writes it.</summary>
    public static string KeyOf(SecretDefinition def) => def.Uuid.ToString();

    public bool HasValue(Guid uuid) => File.Exists(ValuePath(uuid));

    /// <summary>The stored value, decrypted; null when the secret has none on disk.</summary>
    public byte[]? ReadValue(Guid uuid) => HasValue(uuid) ? _key.Decrypt(File.ReadAllBytes(ValuePath(uuid))) : null;

    public void WriteValue(Guid uuid, byte[] value) => AtomicFile.WriteAllBytes(ValuePath(uuid), _key.Encrypt(value), Private);

    public void DeleteValue(Guid uuid) => File.Delete(ValuePath(uuid));

    private string ValuePath(Guid uuid) => Path.Combine(paths.SecretDir, uuid + ".value");
}
