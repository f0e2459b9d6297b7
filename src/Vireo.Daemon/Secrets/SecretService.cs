using System.Collections.Concurrent;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Daemon.State;
using Vireo.Host.Files;

namespace Vireo.Daemon.Secrets;

/// <summary>
/// Secrets: definitions in ROOT/etc/vireo/secrets/UUID.xml, values beside them in UUID.value
/// encrypted with the host key (ephemeral ones only in memory). Values are never logged and never
/// put on a command line; the QEMU driver hands them to QEMU as encrypted secret objects.
/// </summary>
public sealed class SecretService(VireoPaths paths) : Vireo.Storage.ISecretValues, Domains.IDiskSecrets
{
    private readonly ConcurrentDictionary<Guid, SecretDefinition> _secrets = new();
    private readonly ConcurrentDictionary<Guid, byte[]> _ephemeralValues = new();
    private readonly object _lock = new();
    private readonly HostKey _key = new(Path.Combine(paths.SecretDir, "host.key"));

    private string XmlPath(Guid u) => Path.Combine(paths.SecretDir, u + ".xml");
    private string ValuePath(Guid u) => Path.Combine(paths.SecretDir, u + ".value");

    public void Initialize()
    {
        foreach (var f in Directory.EnumerateFiles(paths.SecretDir, "*.xml").Order())
        {
            var def = SecretDefinition.Parse(File.ReadAllText(f));
            _secrets[def.Uuid] = def;
        }
    }

    public List<SecretSummary> List() => _secrets.Values.OrderBy(s => s.Uuid).Select(Summary).ToList();

    private SecretSummary Summary(SecretDefinition d) => new()
    {
        Uuid = d.Uuid.ToString(), UsageType = d.UsageType, UsageId = d.UsageId, Usage = d.UsageText,
        Private = d.Private, Ephemeral = d.Ephemeral, HasValue = _ephemeralValues.ContainsKey(d.Uuid) || File.Exists(ValuePath(d.Uuid)),
    };

    public SecretDefinition Lookup(string key)
    {
        if (Guid.TryParse(key, out var u) && _secrets.TryGetValue(u, out var d)) return d;
        // virsh also finds secrets by usage id ("client.admin secret", a volume path).
        return _secrets.Values.FirstOrDefault(s => s.UsageId == key)
            ?? throw new VireoException(ErrorCode.NoSecret, $"secret not found: no secret with matching uuid '{key}'");
    }

    public SecretSummary Get(string key) => Summary(Lookup(key));

    public string GetXml(string key) => Lookup(key).ToXml();

    public SecretSummary Define(string xml)
    {
        var def = SecretDefinition.Parse(xml);
        def.ApplyDefaults();
        lock (_lock)
        {
            if (def.UsageType is not null &&
                _secrets.Values.FirstOrDefault(s => s.Uuid != def.Uuid && s.UsageType == def.UsageType && s.UsageId == def.UsageId) is { } clash)
                throw new VireoException(ErrorCode.OperationFailed,
                    $"a secret with UUID {clash.Uuid} already defined for use with {def.UsageText}");
            if (!def.Ephemeral) AtomicFile.WriteAllText(XmlPath(def.Uuid), def.ToXml(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            _secrets[def.Uuid] = def;
        }
        return Summary(def);
    }

    public void Undefine(string key)
    {
        var def = Lookup(key);
        lock (_lock)
        {
            File.Delete(XmlPath(def.Uuid));
            File.Delete(ValuePath(def.Uuid));
            _ephemeralValues.TryRemove(def.Uuid, out _);
            _secrets.TryRemove(def.Uuid, out _);
        }
    }

    /// <summary>secret-set-value: the value arrives base64, as virsh takes it.</summary>
    public void SetValue(string key, string? base64)
    {
        // Every front end's null (a JSON null, a missing RPC argument) ends here as the same error.
        if (base64 is null) throw new VireoException(ErrorCode.InvalidArgument, "missing secret value: 'value' must be the value in base64");
        var def = Lookup(key);
        byte[] value;
        try { value = Convert.FromBase64String(base64.Trim()); }
        catch (FormatException) { throw new VireoException(ErrorCode.InvalidArgument, "secret value is not valid base64"); }
        lock (_lock)
        {
            if (def.Ephemeral) _ephemeralValues[def.Uuid] = value;
            else AtomicFile.WriteAllBytes(ValuePath(def.Uuid), _key.Encrypt(value), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>secret-get-value: refused for private secrets, as in libvirt.</summary>
    public string GetValueBase64(string key)
    {
        var def = Lookup(key);
        if (def.Private) throw new VireoException(ErrorCode.OperationInvalid, "operation forbidden: secret is private");
        return Convert.ToBase64String(ValueOf(def));
    }

    /// <summary>For the daemon's own use (QEMU secret objects, storage back-ends): private secrets too.</summary>
    public byte[] ValueOf(SecretDefinition def)
    {
        if (_ephemeralValues.TryGetValue(def.Uuid, out var v)) return v;
        if (!File.Exists(ValuePath(def.Uuid)))
            throw new VireoException(ErrorCode.NoSecret, $"secret '{def.Uuid}' does not have a value");
        return _key.Decrypt(File.ReadAllBytes(ValuePath(def.Uuid)));
    }

    /// <summary>The value a pool's &lt;auth&gt;&lt;secret uuid=|usage=&gt; names, as text (CHAP password, cephx key).</summary>
    public byte[] Value(PoolAuth auth) => ValueOf(ByUuidOrUsage(auth.SecretUuid, auth.SecretUsage));

    /// <summary>An &lt;auth&gt;&lt;secret uuid= or usage=&gt;: by uuid when given, else by usage id.</summary>
    private SecretDefinition ByUuidOrUsage(Guid? uuid, string? usage) =>
        uuid is { } u ? Lookup(u.ToString())
            : _secrets.Values.FirstOrDefault(s => s.UsageId == usage)
              ?? throw new VireoException(ErrorCode.NoSecret, $"no secret with usage '{usage}'");

    /// <summary>The value a disk's &lt;auth&gt;&lt;secret&gt; names (for QEMU's encrypted secret objects).</summary>
    public byte[] ValueFor(Vireo.Core.Domain.DiskAuth auth) => ValueOf(ByUuidOrUsage(auth.SecretUuid, auth.SecretUsage));
}
