using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.State;
using Vireo.Host.Facts;
using Vireo.Host.Processes;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Api;

public static class HostEndpoints
{
    private static string? _qemuVersion;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/openapi.json", ApiDescription.Serve)
            .WithTags("Host").WithName("GetOpenApiDocument").WithSummary("This document").Produces(StatusCodes.Status200OK, contentType: "application/json");
        app.MapGet("/v1/host", async (VireoPaths paths, KvmSupport kvm, IProcessRunner runner) => new HostInfo
        {
            Hostname = Environment.MachineName,
            DaemonVersion = typeof(HostEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            HypervisorVersion = _qemuVersion ??= await QemuVersionAsync(runner),
            Uri = "unix://" + paths.Socket,
            KvmUsable = kvm.Usable,
            KvmReason = kvm.Reason,
        })
        .WithTags("Host").WithName("GetHost").WithSummary("Host facts and versions");
    }

    private static async Task<string> QemuVersionAsync(IProcessRunner runner)
    {
        if (QemuLauncher.FindOnPath("qemu-system-x86_64") is not { } qemu) return "not installed";
        var r = await runner.RunAsync([qemu, "--version"], check: false);
        var m = System.Text.RegularExpressions.Regex.Match(r.Stdout, @"version (\d+\.\d+\.\d+)");
        return m.Success ? m.Groups[1].Value : "unknown";
    }
}
