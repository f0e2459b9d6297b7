using Microsoft.AspNetCore.Routing;

namespace Vireo.Daemon.Api;

/// <summary>Every endpoint group of the API, mapped in one place: vireod, its OpenAPI document and the tests see the same list.</summary>
public static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        DomainEndpoints.Map(app);
        HostEndpoints.Map(app);
        StorageEndpoints.Map(app);
        DomainDeviceEndpoints.Map(app);
        NetworkEndpoints.Map(app);
        DomainInterfaceEndpoints.Map(app);
        SecretEndpoints.Map(app);
        InstallEndpoints.Map(app);
        NodeEndpoints.Map(app);
    }
}
