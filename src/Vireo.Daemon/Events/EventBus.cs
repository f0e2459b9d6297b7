using System.Threading.Channels;
using Vireo.Contracts;

namespace Vireo.Daemon.Events;

/// <summary>Fans lifecycle events out to every subscriber (the /v1/events stream, tests).</summary>
public sealed class EventBus
{
    private readonly object _gate = new();
    private readonly List<Channel<DomainEvent>> _subscribers = [];

    public void Publish(DomainEvent ev)
    {
        lock (_gate)
            foreach (var s in _subscribers) s.Writer.TryWrite(ev);
    }

    public Subscription Subscribe()
    {
        var ch = Channel.CreateBounded<DomainEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate) _subscribers.Add(ch);
        return new Subscription(this, ch);
    }

    public sealed class Subscription(EventBus bus, Channel<DomainEvent> channel) : IDisposable
    {
        public ChannelReader<DomainEvent> Reader => channel.Reader;

        public void Dispose()
        {
            lock (bus._gate) bus._subscribers.Remove(channel);
            channel.Writer.TryComplete();
        }
    }
}
