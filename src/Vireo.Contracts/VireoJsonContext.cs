using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>
/// Source-generated JSON for every API record, so the Native AOT CLI needs no reflection. Default and
/// Readable refuse unknown members (the request side); clients read answers with <see cref="Responses"/>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = VireoJsonContext.MaxRequestDepth,
    WriteIndented = false)]
[JsonSerializable(typeof(DomainSummary))]
[JsonSerializable(typeof(List<DomainSummary>))]
[JsonSerializable(typeof(DomainInfo))]
[JsonSerializable(typeof(VcpuInfo))]
[JsonSerializable(typeof(List<VcpuInfo>))]
[JsonSerializable(typeof(MonitorCommandRequest))]
[JsonSerializable(typeof(MonitorCommandResponse))]
[JsonSerializable(typeof(NodeInfo))]
[JsonSerializable(typeof(List<NodeStat>))]
[JsonSerializable(typeof(List<FreeCell>))]
[JsonSerializable(typeof(XmlDocumentResponse))]
[JsonSerializable(typeof(MaxVcpus))]
[JsonSerializable(typeof(InstallRequest))]
[JsonSerializable(typeof(InstallResponse))]
[JsonSerializable(typeof(InstallProgressLine))]
[JsonSerializable(typeof(List<OsVariantInfo>))]
[JsonSerializable(typeof(AgentCommandRequest))]
[JsonSerializable(typeof(AgentCommandResponse))]
[JsonSerializable(typeof(AutostartRequest))]
[JsonSerializable(typeof(DomainEvent))]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(PoolSummary))]
[JsonSerializable(typeof(List<PoolSummary>))]
[JsonSerializable(typeof(VolumeSummary))]
[JsonSerializable(typeof(List<VolumeSummary>))]
[JsonSerializable(typeof(VolumeResizeRequest))]
[JsonSerializable(typeof(SecretSummary))]
[JsonSerializable(typeof(List<SecretSummary>))]
[JsonSerializable(typeof(SecretValue))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(DiskSummary))]
[JsonSerializable(typeof(List<DiskSummary>))]
[JsonSerializable(typeof(BlockInfo))]
[JsonSerializable(typeof(List<BlockInfo>))]
[JsonSerializable(typeof(BlockStats))]
[JsonSerializable(typeof(List<BlockStats>))]
[JsonSerializable(typeof(BlockResizeRequest))]
[JsonSerializable(typeof(NetworkSummary))]
[JsonSerializable(typeof(List<NetworkSummary>))]
[JsonSerializable(typeof(NetworkLease))]
[JsonSerializable(typeof(List<NetworkLease>))]
[JsonSerializable(typeof(InterfaceSummary))]
[JsonSerializable(typeof(List<InterfaceSummary>))]
[JsonSerializable(typeof(InterfaceAddress))]
[JsonSerializable(typeof(List<InterfaceAddress>))]
[JsonSerializable(typeof(InterfaceStats))]
[JsonSerializable(typeof(LinkStateRequest))]
[JsonSerializable(typeof(NetworkUpdateRequest))]
public sealed partial class VireoJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The same contract written readably, as vireod answers: quotes and non-ASCII text as they are
    /// (messages name things in quotes; "\u0027x\u0027" helps nobody reading curl's output, and nothing
    /// embeds this JSON in HTML).
    /// </summary>
    // Lazy: the order of static initializers across this class's partial files is not defined.
    public static VireoJsonContext Readable => s_readable ??= new(new JsonSerializerOptions(Default.Options)
    {
        TypeInfoResolver = null,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static VireoJsonContext? s_readable;
}
