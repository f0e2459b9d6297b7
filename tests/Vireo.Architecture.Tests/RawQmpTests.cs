using System.Reflection;
using Vireo.Daemon.Domains.Queries;
using Vireo.Qemu.Qmp;

namespace Vireo.Architecture.Tests;

/// <summary>
/// vireod sends QEMU only typed commands: a command given by name goes to the monitor only as the user's own,
/// behind 'qemu-monitor-command'.
/// </summary>
public class RawQmpTests
{
    [Fact]
    public void Only_qemu_monitor_command_sends_a_command_by_name()
    {
        var callers = MethodCalls.In(typeof(DomainQueries).Assembly)
            .Where(c => c.Callee.DeclaringType == typeof(QmpClient) && c.Callee.Name == nameof(QmpClient.ExecuteRawAsync))
            .Select(c => c.Caller)
            .Distinct()
            .ToList();
        Assert.Equal([$"{typeof(DomainQueries).FullName}.{nameof(DomainQueries.MonitorCommandAsync)}"], callers);
    }

    [Fact]
    public void The_raw_command_is_the_only_public_method_that_takes_a_command_name()
    {
        var byName = typeof(QmpClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.GetParameters() is [{ Name: "command", ParameterType: var t }, ..] && t == typeof(string))
            .Select(m => m.Name)
            .Distinct();
        Assert.Equal([nameof(QmpClient.ExecuteRawAsync)], byName);
    }
}
