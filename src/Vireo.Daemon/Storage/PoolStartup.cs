using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Storage;

/// <summary>
/// vireod start-up for storage: the definitions, the transient pools that were running, libvirt's 'default'
/// pool on the first start, then every pool that was running or is marked autostart is started. One pool that
/// cannot be loaded or started is logged and left out; vireod still starts.
/// </summary>
public sealed class PoolStartup(VireoPaths paths, PoolRegistry pools, PoolStore store, PoolLifecycle lifecycle, ILogger<PoolStartup> logger)
{
    public async Task InitializeAsync(CancellationToken ct)
    {
        pools.Load();
        AdoptTransients();
        if (store.Definitions.TakeFirstStart()) DefineDefaultPool();
        foreach (var e in pools.Entries.OrderBy(p => p.Name, StringComparer.Ordinal).ToList())
        {
            var wasRunning = store.IsMarkedActive(e.Name);
            if (!wasRunning && !pools.IsAutostart(e.Name)) continue;
            try { await lifecycle.StartAtBootAsync(e, ct); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StartAtBootFailed(logger, e.Name, ex.Message);
                if (e.Persistent) continue;
                // A transient pool lives only while it runs.
                store.ClearActive(e.Name);
                pools.RemoveTransient(e);
            }
        }
    }

    /// <summary>Transient pools running when vireod stopped come back from the definitions they ran with.</summary>
    private void AdoptTransients()
    {
        foreach (var (name, xml) in store.LiveDefinitions())
        {
            if (pools.Contains(name)) continue;
            try
            {
                var def = PoolStore.Kind.Parse(xml);
                if (def.Name != name)
                    throw new VireoException(ErrorCode.InvalidXml, $"defines storage pool '{def.Name}' but is named after '{name}'");
                pools.Add(def, persistent: false);
            }
            catch (VireoException ex)
            {
                Log.BadDefinition(logger, $"{store.Definitions.LivePath(name)}: {ex.Message}; the running transient pool was not adopted");
            }
        }
    }

    /// <summary>libvirt's first-start 'default' pool: a directory under the root, autostarted. Only the first start makes it.</summary>
    private void DefineDefaultPool()
    {
        if (pools.Contains("default")) return;
        try
        {
            pools.Define($"<pool type='dir'><name>default</name><target><path>{System.Security.SecurityElement.Escape(paths.ImagesDir)}</path></target></pool>");
            pools.SetAutostart("default", true);
            Log.DefaultPoolCreated(logger, paths.ImagesDir);
        }
        catch (VireoException ex) { Log.DefaultPoolFailed(logger, ex.Message); }
    }
}
