using Vireo.Core.Storage;

namespace Vireo.Storage;

/// <summary>How a backend gets the value of the secret a pool's &lt;auth&gt; names (set by the daemon's secret service).</summary>
public interface ISecretValues
{
    /// <summary>The secret's value as text (a CHAP password, a cephx key); throws naming the secret when it has none.</summary>
    string Value(PoolAuth auth);
}
