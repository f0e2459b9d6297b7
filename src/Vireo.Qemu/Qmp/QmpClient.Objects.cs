using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>One entry of qom-list: a property (child objects included) of a QOM path.</summary>
public sealed record QmpObjectProperty(string Name, string Type);

/// <summary>QOM objects: the secrets block devices read their credentials from.</summary>
public sealed partial class QmpClient
{
    public Task ObjectAddAsync(QmpSecretObject secret, CancellationToken ct = default) => ExecuteAsync("object-add", secret.ToArguments(), ct);

    public Task ObjectDelAsync(string id, CancellationToken ct = default) => ExecuteAsync("object-del", new JsonObject { ["id"] = id }, ct);

    /// <summary>qom-list: what is under a QOM path (objects made with -object or object-add are under /objects).</summary>
    public async Task<IReadOnlyList<QmpObjectProperty>> QomListAsync(string path, CancellationToken ct = default) =>
        (await ExecuteAsync("qom-list", new JsonObject { ["path"] = path }, ct) as JsonArray ?? [])
        .Select(p => new QmpObjectProperty((string?)p?["name"] ?? "", (string?)p?["type"] ?? ""))
        .ToList();
}
