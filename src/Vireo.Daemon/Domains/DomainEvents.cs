using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Daemon.Events;

namespace Vireo.Daemon.Domains;

/// <summary>Lifecycle and device events of domains, as virsh's event command names them.</summary>
public sealed class DomainEvents(EventBus bus)
{
    public void Publish(DomainDefinition d, string ev, string detail, string type = "lifecycle") =>
        bus.Publish(new DomainEvent { Domain = d.Name, Uuid = d.Uuid.ToString(), Type = type, Event = ev, Detail = detail, Time = DateTimeOffset.UtcNow });
}
