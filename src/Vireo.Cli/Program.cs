using Vireo.Cli;
using Vireo.Cli.Commands;
using Vireo.Cli.Parsing;
using Vireo.Client;

return await VireoCli.RunAsync(args, Console.Out, Console.Error);

namespace Vireo.Cli
{
    public static class VireoCli
    {
        public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
        {
            // The last word on any failure, expected or not: one error line per cause, never a stack trace.
            try { return await RunCommandLineAsync(args, stdout, stderr); }
            catch (Exception e)
            {
                stderr.WriteLine($"error: {(e is OperationCanceledException ? "the operation was cancelled" : Unexpected(e))}");
                return 1;
            }
        }

        /// <summary>"internal error: " and the messages of the exception and its causes, without repeats.</summary>
        public static string Unexpected(Exception e)
        {
            var messages = new List<string>();
            for (Exception? x = e; x is not null; x = x.InnerException)
                if (x.Message.Trim() is { Length: > 0 } m && !messages.Any(seen => seen.Contains(m))) messages.Add(m);
            return "internal error: " + (messages.Count > 0 ? string.Join(": ", messages) : e.GetType().Name);
        }

        private static async Task<int> RunCommandLineAsync(string[] args, TextWriter stdout, TextWriter stderr)
        {
            string? uri = null, tokenFile = null;
            var quiet = false;
            var i = 0;
            for (; i < args.Length && args[i].StartsWith('-'); i++)
            {
                switch (args[i])
                {
                    case "-c" or "--connect" when i + 1 < args.Length: uri = args[++i]; break;
                    case var c when c.StartsWith("--connect="): uri = c["--connect=".Length..]; break;
                    case "--token-file" when i + 1 < args.Length: tokenFile = args[++i]; break;
                    case var t when t.StartsWith("--token-file="): tokenFile = t["--token-file=".Length..]; break;
                    case "-h" or "--help": Help(stdout); return 0;
                    case "-v" or "--version": stdout.WriteLine(MiscCommands.CliVersion); return 0;
                    case "-q" or "--quiet": quiet = true; break;
                    default:
                        stderr.WriteLine($"error: unsupported option '{args[i]}'. See --help.");
                        return 1;
                }
            }
            if (i >= args.Length) { Help(stdout); return 0; }
            var connection = (uri, tokenFile);
            if (!quiet) return await DispatchAsync(args[i], args[(i + 1)..], connection, quiet, stdout, stderr);
            var quietOut = new Vireo.Cli.Output.QuietWriter(stdout);
            try { return await DispatchAsync(args[i], args[(i + 1)..], connection, quiet, quietOut, stderr); }
            finally { quietOut.Finish(); }
        }

        private static async Task<int> DispatchAsync(string name, string[] rest, (string? Uri, string? TokenFile) connection, bool quiet,
            TextWriter stdout, TextWriter stderr)
        {
            // Local commands: no daemon involved.
            if (name == "img") return await Vireo.Cli.Commands.Img.ImgCommand.RunAsync(rest, stdout, stderr);
            if (name == "host-validate")
                return HostValidateCommand.Run(rest, stdout, stderr, color: stdout == Console.Out && !Console.IsOutputRedirected);
            if (name == "help")
            {
                if (rest.Length > 0 && Registry.All.TryGetValue(rest[0], out var c)) stdout.WriteLine($"  {c.Spec.Summary}\n\n  usage: vireo {c.Spec.Usage}");
                else Help(stdout);
                return 0;
            }
            if (!Registry.All.TryGetValue(name, out var command) && name != "install")
            {
                stderr.WriteLine($"error: unknown command: '{name}'");
                return 1;
            }
            using var ctx = new CliContext(connection.Uri, stdout, stderr, connection.TokenFile) { Quiet = quiet };
            ParsedArgs? parsed = null;
            try
            {
                if (name == "install") return await Vireo.Cli.Commands.Install.InstallCommand.RunAsync(ctx, rest);
                if (rest.Contains("--help")) { stdout.WriteLine($"  usage: vireo {command!.Spec.Usage}"); return 0; }
                parsed = ParsedArgs.Parse(command!.Spec, rest);
                return await command.Run(ctx, parsed);
            }
            catch (CliException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (VireoApiException e)
            {
                // As virsh: a command that ran and failed still ends its output with the empty line (not with -q).
                if (!quiet) stdout.WriteLine();
                if (LookupHeadline(e.Code, parsed) is { } lookup) stderr.WriteLine($"error: {lookup}");
                else if (e is CommandFailedException { Headline: { } headline }) stderr.WriteLine($"error: {headline}");
                stderr.WriteLine($"error: {e.Message}");
                foreach (var d in e.Details.Skip(e.Details.Count > 1 ? 0 : 1)) stderr.WriteLine($"error:   {d}");
                return 1;
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        /// <summary>virsh's first line when the object a command names does not exist ("failed to get domain 'x'").</summary>
        private static string? LookupHeadline(string code, ParsedArgs? a) => (code, a) switch
        {
            ("NoDomain", { } p) when p["domain"] is { } d => $"failed to get domain '{d}'",
            ("NoNetwork", { } p) when p["network"] is { } n => $"failed to get network '{n}'",
            ("NoStoragePool", { } p) when p["pool"] is { } n => $"failed to get pool '{n}'",
            ("NoStorageVolume", { } p) when p["vol"] is { } v => $"failed to get vol '{v}'{(p["pool"] is null ? ", specifying --pool might help" : "")}",
            ("NoSecret", { } p) when p["secret"] is { } s => $"failed to get secret '{s}'",
            _ => null,
        };

        private static void Help(TextWriter o)
        {
            o.WriteLine("vireo: manage Vireo virtual machines (virsh-compatible)\n");
            o.WriteLine("usage: vireo [-c URI] COMMAND [ARGS...]\n");
            o.WriteLine("  -c, --connect URI   unix:///path/to/vireod.sock, qemu+unix:///system?socket=PATH or http://127.0.0.1:PORT");
            o.WriteLine("                      (default: $VIREO_DEFAULT_URI, then the system socket)");
            o.WriteLine("  --token-file FILE   the token for an http:// URI (vireod --listen --token-file); default $VIREO_TOKEN_FILE");
            o.WriteLine("  -q, --quiet         no confirmations, table headers or closing empty lines, as virsh -q\n");
            o.WriteLine(" Commands:");
            foreach (var c in Registry.All.Values.OrderBy(c => c.Spec.Name))
                o.WriteLine($"    {c.Spec.Name,-22} {c.Spec.Summary}");
            o.WriteLine($"    {"img",-22} disk image tool, qemu-img compatible (vireo img --help)");
            o.WriteLine($"    {"install",-22} create and install a virtual machine, virt-install compatible (vireo install --help)");
            o.WriteLine($"    {"host-validate",-22} validate the host for running guests, virt-host-validate compatible");
        }
    }
}
