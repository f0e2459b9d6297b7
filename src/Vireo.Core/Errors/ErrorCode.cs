namespace Vireo.Core.Errors;

/// <summary>
/// Error codes a caller can act on. The names follow libvirt's VIR_ERR_* where one exists
/// so virsh users recognise them; each maps to one HTTP status in the daemon.
/// </summary>
public enum ErrorCode
{
    InternalError,
    InvalidArgument,
    InvalidXml,
    XmlValidation,
    NoDomain,
    DomainExists,
    OperationInvalid,
    OperationFailed,
    OperationTimeout,
    NotSupported,
    ConfigUnsupported,
    NoNetwork,
    NoStoragePool,
    NoStorageVolume,
    NoSecret,
    AgentUnresponsive,
    DaemonUnreachable,
}
