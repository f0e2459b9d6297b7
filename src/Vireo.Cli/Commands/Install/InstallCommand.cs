using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands.Install;

/// <summary>
/// 'vireo install': virt-install's options turned into one request to vireod, which resolves the OS,
/// reads the media, creates the disks and boots the install; then the console or a wait, and the
/// restart into the installed system, as virt-install does.
/// </summary>
public static class InstallCommand
{
    public const string Usage = """
        usage: vireo install --name NAME --memory MiB [--vcpus N[,sockets=,cores=,threads=,maxvcpus=]]
                             (--location ISO|DIR|URL | --cdrom ISO | --import | --pxe | --boot kernel=...,initrd=...)
                             [--osinfo SHORT-ID|detect=on[,require=off]|generic|list] [--disk size=GiB|path=...|vol=POOL/VOL|none ...]
                             [--network default|network=NAME|bridge=BR|user|none[,model=,mac=] ...] [--graphics vnc[,listen=,port=,password=]|spice|none]
                             [--virt-type kvm|qemu] [--arch x86_64] [--machine pc|q35] [--cpu MODE] [--boot hd|cdrom|network|uefi]
                             [-x|--extra-args ARGS] [--initrd-inject FILE ...] [--cloud-init [root-password-generate=on,root-password-file=,ssh-key=,user-data=,meta-data=,network-config=]]
                             [--console pty] [--serial pty] [--noautoconsole | --autoconsole text|none] [--wait [MINUTES]] [--noreboot]
                             [--transient] [--autostart] [--print-xml] [--dry-run] [--check KEY=on|off,...]
          Creates and installs a virtual machine (virt-install compatible).
        """;

    public static async Task<int> RunAsync(CliContext ctx, string[] args)
    {
        var a = InstallArgs.Parse(args);
        if (a.Has("--help")) { ctx.Out.WriteLine(Usage); return 0; }
        if (a["--osinfo"] is "list")
        {
            foreach (var os in await ctx.Client.OsVariantsAsync()) ctx.Out.WriteLine($"{os.ShortId,-24} {os.Name}{(os.Eol is { } eol ? $" (end of life {eol})" : "")}");
            return 0;
        }
        var request = InstallRequestBuilder.Build(a);
        var printXml = a.Has("--print-xml");
        var dryRun = a.Has("--dry-run") || printXml;
        if (!dryRun) ctx.Out.WriteLine("\nStarting install...");
        var r = dryRun
            ? await ctx.Client.InstallAsync(request with { DryRun = true })
            : await ctx.Client.InstallAsync(request, step => { ctx.Out.WriteLine(step); ctx.Out.Flush(); });
        foreach (var w in r.Warnings) ctx.Err.WriteLine($"WARNING  {w}");
        if (printXml)
        {
            if (r.InstallXml is { } first) ctx.Out.Write(first.TrimEnd('\n') + "\n");
            ctx.Out.Write(r.Xml.TrimEnd('\n') + "\n");
            return 0;
        }
        if (dryRun)
        {
            ctx.Out.WriteLine("Dry run completed successfully");
            return 0;
        }
        if (r.GeneratedRootPassword is { } pw) ctx.Out.WriteLine($"Password for first root login is: {pw}");
        ctx.Out.WriteLine("Creating domain...");
        ctx.Out.Flush();
        var console = !a.Has("--noautoconsole") && a["--autoconsole"] is null or "text";
        if (a["--autoconsole"] is { } ac && ac is not ("text" or "none"))
            throw new CliException($"--autoconsole '{ac}': text or none (a graphical console is the web console's job)");
        var wait = a.Has("--wait") ? (a["--wait"] is { } m ? InstallArgs.ParseNumber(m, "--wait") : -1) : (long?)null;
        if (console)
        {
            await ConsoleCommand.Attach(ctx, r.Name, until: null, timeoutSeconds: wait is > 0 ? (int)(wait * 60) : null);
        }
        else if (wait is null or 0)
        {
            ctx.Out.WriteLine("\nDomain is still running. Installation may be in progress.");
            ctx.Out.WriteLine($"You can reconnect to the console to complete the installation process (vireo console {r.Name}).");
            return 0;
        }
        else if (!await WaitForShutoffAsync(ctx, r.Name, wait.Value))
        {
            ctx.Err.WriteLine($"WARNING  Domain '{r.Name}' is still running after {wait} minutes; leaving it running.");
            return 1;
        }
        var state = await StateOrNullAsync(ctx, r.Name);
        if (state is null) { ctx.Out.WriteLine("Domain has shutdown. It was transient, so it is gone."); return 0; }
        if (state != "shut off") { ctx.Out.WriteLine($"Domain creation completed. Domain '{r.Name}' is {state}."); return 0; }
        if (r.InstallXml is null || a.Has("--noreboot"))
        {
            ctx.Out.WriteLine($"Domain creation completed.\nYou can restart your domain by running:\n  vireo start {r.Name}");
            return 0;
        }
        ctx.Out.WriteLine("Domain has shutdown. Continuing.\nDomain creation completed.\nRestarting guest.");
        await ctx.Client.ActionAsync(r.Name, "start");
        return 0;
    }

    private static async Task<string?> StateOrNullAsync(CliContext ctx, string name)
    {
        try { return (await ctx.Client.StateAsync(name)).State; }
        catch (Client.VireoApiException e) when (e.Code == "NoDomain") { return null; }
    }

    /// <summary>--wait: minutes until the install boot ends (negative: no limit).</summary>
    private static async Task<bool> WaitForShutoffAsync(CliContext ctx, string name, long minutes)
    {
        ctx.Out.WriteLine($"Waiting {(minutes < 0 ? "" : $"{minutes} minutes ")}for the installation to complete.");
        var deadline = minutes < 0 ? DateTime.MaxValue : DateTime.UtcNow.AddMinutes(minutes);
        while (DateTime.UtcNow < deadline)
        {
            if (await StateOrNullAsync(ctx, name) is null or "shut off") return true;
            await Task.Delay(1000);
        }
        return false;
    }
}
