using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Secrets;

namespace Vireo.Daemon.Api;

/// <summary>Secrets as the API's records: the service speaks bytes and snapshots, the REST API base64 and <see cref="SecretSummary"/>.</summary>
internal static class SecretMapping
{
    public static SecretSummary Secret(SecretSnapshot s) => new()
    {
        Uuid = s.Uuid.ToString(), UsageType = s.UsageType, UsageId = s.UsageId, Usage = s.Usage,
        Private = s.Private, Ephemeral = s.Ephemeral, HasValue = s.HasValue,
    };

    /// <summary>The value as virsh takes it: base64, blanks around it ignored.</summary>
    public static byte[] Value(SecretValue body)
    {
        try { return Convert.FromBase64String(body.Value.Trim()); }
        catch (FormatException) { throw new VireoException(ErrorCode.InvalidArgument, "secret value is not valid base64"); }
    }

    public static SecretValue Value(byte[] value) => new() { Value = Convert.ToBase64String(value) };
}
