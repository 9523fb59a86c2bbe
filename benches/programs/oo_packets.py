# An object-oriented packet simulation: instances, methods, inheritance,
# attribute reads and writes, lists used as queues.
class Packet:
    def __init__(self, pid, src, dst, size):
        self.pid = pid
        self.src = src
        self.dst = dst
        self.size = size
        self.hops = 0
        self.ttl = 12


class Node:
    def __init__(self, nid, capacity):
        self.nid = nid
        self.capacity = capacity
        self.queue = []
        self.delivered = 0
        self.dropped = 0
        self.bytes = 0

    def accept(self, packet):
        if len(self.queue) >= self.capacity:
            self.dropped += 1
            return False
        self.queue.append(packet)
        return True

    def next_hop(self, packet, count):
        # Halve the distance to the destination around the ring.
        gap = (packet.dst - self.nid) % count
        return (self.nid + max(1, gap // 2)) % count


class Gateway(Node):
    def next_hop(self, packet, count):
        if packet.size > 1000:
            return (self.nid + 1) % count
        return super().next_hop(packet, count)


class Network:
    def __init__(self, count):
        self.nodes = []
        for i in range(count):
            if i % 4 == 0:
                self.nodes.append(Gateway(i, 16))
            else:
                self.nodes.append(Node(i, 8))
        self.seed = 12345
        self.sent = 0

    def rand(self, n):
        self.seed = (self.seed * 1103515245 + 12345) % 2147483648
        return self.seed % n

    def inject(self, pid):
        count = len(self.nodes)
        src = self.rand(count)
        dst = self.rand(count)
        packet = Packet(pid, src, dst, 64 + self.rand(1400))
        if self.nodes[src].accept(packet):
            self.sent += 1

    def step(self):
        count = len(self.nodes)
        for node in self.nodes:
            moving = node.queue[:4]
            node.queue = node.queue[4:]
            for packet in moving:
                packet.hops += 1
                packet.ttl -= 1
                if packet.dst == node.nid:
                    node.delivered += 1
                    node.bytes += packet.size
                elif packet.ttl <= 0:
                    node.dropped += 1
                else:
                    self.nodes[node.next_hop(packet, count)].accept(packet)


def simulate(count, rounds):
    net = Network(count)
    pid = 0
    for _ in range(rounds):
        for _ in range(6):
            net.inject(pid)
            pid += 1
        net.step()
    delivered = sum(n.delivered for n in net.nodes)
    dropped = sum(n.dropped for n in net.nodes)
    total = sum(n.bytes for n in net.nodes)
    waiting = sum(len(n.queue) for n in net.nodes)
    return net.sent, delivered, dropped, waiting, total


print(simulate(32, 700))
