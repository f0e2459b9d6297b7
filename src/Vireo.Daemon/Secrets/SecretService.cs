using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Secrets;

/// <summary>
/// Secrets: the table (lookup by uuid, then by usage id), define and undefine with libvirt's rules, and
/// values. Definitions and values live in a <see cref="SecretStore"/> (values encrypted with the host key;
/// an ephemeral secret's value only in memory). Values are never logged and never put on a command line;
/// the QEMU driver hands them to QEMU as encrypted secret objects.
/// </summary>
public sealed class SecretService(VireoPaths paths, ILogger<SecretService> logger) : Vireo.Storage.ISecretValues, Domains.IDiskSecrets
{
    private readonly SecretStore _store = new(paths);
    private readonly ConcurrentDictionary<Guid, SecretDefinition> _secrets = new();
    private readonly ConcurrentDictionary<Guid, byte[]> _ephemeralValues = new();
    // Held by every change of a definition or a value, so a value never lands beside the wrong definition.
    private readonly SemaphoreSlim _change = new(1, 1);

    /// <summary>Loads the definitions; a hand-edited file that does not parse, is misnamed or repeats a uuid is left out and logged.</summary>
    public void Initialize()
    {
        _store.Definitions.CreateDirectories();
        foreach (var def in _store.Definitions.LoadAll(message => Log.BadDefinition(logger, message)))
            _secrets[def.Uuid] = def;
        Log.Loaded(logger, _secrets.Count);
    }

    /// <summary>By uuid, then (as vireo's secret commands also take it) by usage id: "client.admin secret", a volume path.</summary>
    public SecretDefinition Lookup(string key)
    {
        if (Guid.TryParse(key, out var u) && _secrets.TryGetValue(u, out var d)) return d;
        return ByUsageId(key) ?? throw new VireoException(ErrorCode.NoSecret, $"secret not found: no secret with matching uuid '{key}'");
    }

    private SecretDefinition? ByUsageId(string? usageId) =>
        usageId is null ? null : _secrets.Values.Where(s => s.UsageId == usageId).OrderBy(s => s.Uuid).FirstOrDefault();

    public IReadOnlyList<SecretSnapshot> List() => _secrets.Values.OrderBy(s => s.Uuid).Select(Snapshot).ToList();

    public SecretSnapshot Get(string key) => Snapshot(Lookup(key));

    public string GetXml(string key) => Lookup(key).ToXml();

    private SecretSnapshot Snapshot(SecretDefinition d) => new(d.Uuid, d.UsageType, d.UsageId, d.UsageText, d.Private, d.Ephemeral,
        _ephemeralValues.ContainsKey(d.Uuid) || _store.HasValue(d.Uuid));

    /// <summary>
    /// secret-define: a new secret, or a new definition of one (same uuid), as libvirt's virSecretObjListAdd allows
    /// it: its usage stays, a private secret stays private, and no other secret may have the usage. A secret that
    /// becomes ephemeral keeps its value in memory only; one that stops being ephemeral gets it on disk.
    /// </summary>
    public async Task<SecretSnapshot> DefineAsync(string xml)
    {
        var def = SecretDefinition.Parse(xml);
        def.ApplyDefaults();
        await _change.WaitAsync();
        try
        {
            var old = CheckDefine(def);
            await SaveAsync(def, old);
            _secrets[def.Uuid] = def;
        }
        finally { _change.Release(); }
        Log.Defined(logger, def.Uuid, def.UsageText);
        return Snapshot(def);
    }

    private SecretDefinition? CheckDefine(SecretDefinition def)
    {
        if (_secrets.TryGetValue(def.Uuid, out var old))
        {
            if (old.UsageId != def.UsageId)
                throw new VireoException(ErrorCode.OperationFailed,
                    $"a secret with UUID {def.Uuid} is already defined for use with {old.UsageId ?? "no usage"}");
            if (old.Private && !def.Private)
                throw new VireoException(ErrorCode.OperationFailed, "cannot change private flag on existing secret");
            return old;
        }
        if (def.UsageType is not null && _secrets.Values.FirstOrDefault(s => s.UsageType == def.UsageType && s.UsageId == def.UsageId) is { } clash)
            throw new VireoException(ErrorCode.OperationFailed, $"a secret with UUID {clash.Uuid} already defined for use with {def.UsageText}");
        return null;
    }

    private async Task SaveAsync(SecretDefinition def, SecretDefinition? old)
    {
        await using var undo = Log.Undo(logger, def.Uuid);
        if (!def.Ephemeral)
        {
            if (old is { Ephemeral: true } && _ephemeralValues.TryGetValue(def.Uuid, out var value))
            {
                _store.WriteValue(def.Uuid, value);
                undo.Add("the value file", () => _store.DeleteValue(def.Uuid));
            }
            _store.Definitions.Save(def);
            _ephemeralValues.TryRemove(def.Uuid, out _);
        }
        else if (old is { Ephemeral: false })
        {
            if (_store.ReadValue(def.Uuid) is { } value)
            {
                _ephemeralValues[def.Uuid] = value;
                undo.Add("the value in memory", () => _ephemeralValues.TryRemove(def.Uuid, out _));
            }
            _store.Definitions.Delete(SecretStore.KeyOf(def));
            _store.DeleteValue(def.Uuid);
        }
        undo.Commit();
    }

    /// <summary>secret-undefine: the definition and its value go.</summary>
    public void Undefine(string key)
    {
        SecretDefinition def;
        _change.Wait();
        try
        {
            def = Lookup(key);
            _store.Definitions.Delete(SecretStore.KeyOf(def));
            _store.DeleteValue(def.Uuid);
            _ephemeralValues.TryRemove(def.Uuid, out _);
            _secrets.TryRemove(def.Uuid, out _);
        }
        finally { _change.Release(); }
        Log.Undefined(logger, def.Uuid);
    }

    /// <summary>secret-set-value: kept encrypted on disk (0600), or in memory for an ephemeral secret.</summary>
    public void SetValue(string key, byte[]? value)
    {
        // Every front end's null (a JSON null, a missing RPC argument) ends here as the same error.
        if (value is null) throw new VireoException(ErrorCode.InvalidArgument, "missing secret value");
        SecretDefinition def;
        _change.Wait();
        try
        {
            def = Lookup(key);
            if (def.Ephemeral) _ephemeralValues[def.Uuid] = value;
            else _store.WriteValue(def.Uuid, value);
        }
        finally { _change.Release(); }
        Log.ValueSet(logger, def.Uuid);
    }

    /// <summary>secret-get-value: refused for private secrets, as in libvirt.</summary>
    public byte[] GetValue(string key)
    {
        var def = Lookup(key);
        if (def.Private) throw new VireoException(ErrorCode.OperationInvalid, "operation forbidden: secret is private");
        return ValueOf(def);
    }

    /// <summary>For the daemon's own use (QEMU secret objects, storage back-ends): private secrets too.</summary>
    private byte[] ValueOf(SecretDefinition def) =>
        (_ephemeralValues.TryGetValue(def.Uuid, out var v) ? v : _store.ReadValue(def.Uuid))
        ?? throw new VireoException(ErrorCode.NoSecret, $"secret '{def.Uuid}' does not have a value");

    /// <summary>The value a pool's &lt;auth&gt;&lt;secret uuid=|usage=&gt; names, as text (CHAP password, cephx key).</summary>
    public byte[] Value(PoolAuth auth) => ValueOf(ByUuidOrUsage(auth.SecretUuid, auth.SecretUsage));

    /// <summary>The value a disk's &lt;auth&gt;&lt;secret&gt; names (for QEMU's encrypted secret objects).</summary>
    public byte[] ValueFor(Core.Domain.DiskAuth auth) => ValueOf(ByUuidOrUsage(auth.SecretUuid, auth.SecretUsage));

    /// <summary>An &lt;auth&gt;&lt;secret uuid= or usage=&gt;: by uuid when given, else by usage id.</summary>
    private SecretDefinition ByUuidOrUsage(Guid? uuid, string? usage) =>
        uuid is { } u ? Lookup(u.ToString())
            : ByUsageId(usage) ?? throw new VireoException(ErrorCode.NoSecret, $"no secret with usage '{usage}'");
}
