#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Kernel-side inputs of perf/ctl_vs_kernel.sh: the rules kube-proxy would
write for the services of `svc_gen.py list FILE N EPS` (default/svc-<i>,
ClusterIP 10.96.0.1 + i, TCP 80 -> 8080, endpoints 10.245.0.0 + i * EPS + j,
cluster CIDR 10.244.0.0/16, masquerade mark 0x4000), in the shapes of its
three proxy modes. Written from kube-proxy's documented rule layout
(pkg/proxy/nftables, pkg/proxy/iptables), not from its code.

  kproxy_gen.py nft-full FILE N EPS
      nftables mode, full sync: one `nft -f` transaction: table ip
      kube-proxy, its base chains, sets and verdict maps, per service a
      service-HASH-ns/name/tcp/http chain (masquerade mark for sources
      outside the cluster CIDR, `numgen random mod EPS vmap` to the
      endpoint chains), per endpoint an endpoint-HASH-...__ip/port chain
      (hairpin mark, dnat), the cluster-ips and service-ips elements.
  kproxy_gen.py nft-change FILE I EPS OLD NEW
      nftables mode, partial sync after service I's endpoints went from
      OLD + j to NEW + j (dotted quads): the service chain and the new
      endpoint chains added, flushed and refilled, the old endpoint
      chains flushed (deleted by a later sync, nft-stale). The service-ips
      element is unchanged (same chain name), so it is not touched.
  kproxy_gen.py nft-stale FILE I EPS BASE
      the later transaction deleting the flushed endpoint chains.
  kproxy_gen.py ipt-full FILE N EPS
      iptables mode, full sync: iptables-restore --noflush input, *filter
      top-level chains and *nat KUBE-SERVICES, KUBE-SVC-*, KUBE-SEP-*
      (statistic mode random probability 1/(EPS-j)), DNAT, KUBE-MARK-MASQ,
      KUBE-POSTROUTING. Over 1000 endpoints kube-proxy is in its "large
      cluster" mode: no comments on SVC/SEP rules.
  kproxy_gen.py ipt-change FILE N EPS I NEW
      iptables mode, partial sync (MinimizeIPTablesRestore): the top-level
      chains rewritten whole (KUBE-SERVICES: N rules), plus service I's
      KUBE-SVC chain and its new KUBE-SEP chains. Stale SEP chains stay
      (large cluster mode deletes them only once per sync period).
  kproxy_gen.py ipt-base FILE
      the jump rules kube-proxy ensures before its first sync (PREROUTING,
      OUTPUT, POSTROUTING, INPUT, FORWARD to the KUBE-* chains), as
      iptables-restore --noflush input.
  kproxy_gen.py ipvs-full FILE N EPS
      `ipvsadm -R` input the course's way: per service `-A -t VIP:80 -s rr
      -p 600`, per endpoint `-a -t VIP:80 -r EP:8080 -m`.
  kproxy_gen.py ipvs-change FILE I EPS OLD NEW
      `ipvsadm -R` input: the old real servers deleted, the new added.
  kproxy_gen.py vips FILE N
      `ip -batch` input binding the N ClusterIPs to the local table (the
      course's first step: the kernel must see the VIP as local).
"""
import base64
import hashlib
import sys

from svc_gen import ip, ipn

T = 'ip kube-proxy'
CLUSTER_CIDR = '10.244.0.0/16'
MARK = '0x4000'
PORT, TPORT = 80, 8080


def vip(i):
    return ip(ipn('10.96.0.0') + 1 + i)


def eps_of(i, n, base=None):
    b = ipn(base) if base else ipn('10.245.0.0') + i * n
    return [ip(b + j) for j in range(n)]


def h(s, n):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:n]


def spn(i):
    return 'default/svc-%d/tcp/http' % i


def nft_svc_chain(i):
    return 'service-%s-%s' % (h(spn(i), 8), spn(i))


def nft_ep_chain(i, a):
    name = '%s__%s/%d' % (spn(i), a, TPORT)
    return 'endpoint-%s-%s' % (h(name, 8), name)


NFT_BASE = """add table %(t)s { comment "rules for kube-proxy" ; }
add set %(t)s cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set %(t)s nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
add map %(t)s firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
add map %(t)s no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add map %(t)s no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map %(t)s service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map %(t)s service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add chain %(t)s cluster-ips-check
add chain %(t)s filter-prerouting { type filter hook prerouting priority -110 ; }
add chain %(t)s filter-input { type filter hook input priority -110 ; }
add chain %(t)s filter-forward { type filter hook forward priority -110 ; }
add chain %(t)s filter-output { type filter hook output priority -110 ; }
add chain %(t)s filter-output-post-dnat { type filter hook output priority -90 ; }
add chain %(t)s firewall-check
add chain %(t)s mark-for-masquerade
add chain %(t)s masquerading
add chain %(t)s nat-output { type nat hook output priority -100 ; }
add chain %(t)s nat-postrouting { type nat hook postrouting priority 100 ; }
add chain %(t)s nat-prerouting { type nat hook prerouting priority -100 ; }
add chain %(t)s nodeport-endpoints-check
add chain %(t)s reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add chain %(t)s services
add chain %(t)s service-endpoints-check
flush set %(t)s cluster-ips
flush map %(t)s firewall-ips
flush map %(t)s no-endpoint-nodeports
flush map %(t)s no-endpoint-services
flush map %(t)s service-ips
flush map %(t)s service-nodeports
add rule %(t)s cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule %(t)s cluster-ips-check ip daddr { 10.96.0.0/12 } drop comment "Drop traffic to unallocated ClusterIPs"
add rule %(t)s filter-prerouting ct state new jump firewall-check
add rule %(t)s filter-forward ct state new jump service-endpoints-check
add rule %(t)s filter-input ct state new jump nodeport-endpoints-check
add rule %(t)s filter-input ct state new jump service-endpoints-check
add rule %(t)s filter-output ct state new jump service-endpoints-check
add rule %(t)s filter-output ct state new jump firewall-check
add rule %(t)s filter-output-post-dnat ct state new jump cluster-ips-check
add rule %(t)s firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule %(t)s mark-for-masquerade mark set mark or %(m)s
add rule %(t)s masquerading mark and %(m)s == 0 return
add rule %(t)s masquerading mark set mark xor %(m)s
add rule %(t)s masquerading masquerade fully-random
add rule %(t)s nat-output jump services
add rule %(t)s nat-postrouting jump masquerading
add rule %(t)s nat-prerouting jump services
add rule %(t)s nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule %(t)s reject-chain reject
add rule %(t)s services ip daddr . meta l4proto . th dport vmap @service-ips
add rule %(t)s services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add rule %(t)s service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add element %(t)s nodeport-ips { 192.168.60.10 }
""" % {'t': T, 'm': MARK}


def nft_service(out, i, addrs, elements):
    """The chains and rules of service i (ensureChain: add + flush)."""
    sc = nft_svc_chain(i)
    ecs = [nft_ep_chain(i, a) for a in addrs]
    for c in ecs + [sc]:
        out.append('add chain %s %s' % (T, c))
        out.append('flush chain %s %s' % (T, c))
    if elements:
        out.append('add element %s cluster-ips { %s }' % (T, vip(i)))
        out.append('add element %s service-ips { %s . tcp . %d : goto %s }'
                   % (T, vip(i), PORT, sc))
    out.append('add rule %s %s ip daddr %s tcp dport %d ip saddr != %s '
               'jump mark-for-masquerade' % (T, sc, vip(i), PORT, CLUSTER_CIDR))
    vm = ' , '.join('%d : goto %s' % (j, c) for j, c in enumerate(ecs))
    out.append('add rule %s %s numgen random mod %d vmap { %s }'
               % (T, sc, len(ecs), vm))
    for a, c in zip(addrs, ecs):
        out.append('add rule %s %s ip saddr %s jump mark-for-masquerade'
                   % (T, c, a))
        out.append('add rule %s %s meta l4proto tcp dnat to %s:%d'
                   % (T, c, a, TPORT))


def nft_full(n, eps):
    out = [NFT_BASE.rstrip('\n')]
    for i in range(n):
        nft_service(out, i, eps_of(i, eps), True)
    return out


def nft_change(i, eps, old, new):
    out = []
    nft_service(out, i, eps_of(i, eps, new), False)
    for a in eps_of(i, eps, old):
        out.append('flush chain %s %s' % (T, nft_ep_chain(i, a)))
    return out


def nft_stale(i, eps, base):
    return ['delete chain %s %s' % (T, nft_ep_chain(i, a))
            for a in eps_of(i, eps, base)]


def ipt_svc_chain(i):
    return 'KUBE-SVC-' + h(spn(i), 16)


def ipt_sep_chain(i, a):
    return 'KUBE-SEP-' + h('%s__%s/%d' % (spn(i), a, TPORT), 16)


IPT_FILTER = """*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark %(m)s/%(m)s -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT""" % {'m': MARK}


def ipt_service(chains, rules, i, addrs):
    sc = ipt_svc_chain(i)
    chains.append(':%s - [0:0]' % sc)
    rules.append('-A %s -m comment --comment "default/svc-%d:http cluster IP" '
                 '-m tcp -p tcp -d %s/32 --dport %d ! -s %s -j KUBE-MARK-MASQ'
                 % (sc, i, vip(i), PORT, CLUSTER_CIDR))
    for j, a in enumerate(addrs):
        left = len(addrs) - j
        stat = ('-m statistic --mode random --probability %.10f ' % (1.0 / left)
                if left > 1 else '')
        rules.append('-A %s %s-j %s' % (sc, stat, ipt_sep_chain(i, a)))
    for a in addrs:
        ep = ipt_sep_chain(i, a)
        chains.append(':%s - [0:0]' % ep)
        rules.append('-A %s -s %s/32 -j KUBE-MARK-MASQ' % (ep, a))
        rules.append('-A %s -m tcp -p tcp -j DNAT --to-destination %s:%d'
                     % (ep, a, TPORT))


def ipt_sync(n, eps, only=None, new=None):
    """only: None = every service (full sync), else the one rewritten."""
    chains = [':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]',
              ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]']
    rules = ['-A KUBE-POSTROUTING -m mark ! --mark %s/%s -j RETURN' % (MARK, MARK),
             '-A KUBE-POSTROUTING -j MARK --xor-mark %s' % MARK,
             '-A KUBE-POSTROUTING -m comment --comment "kubernetes service '
             'traffic requiring SNAT" -j MASQUERADE --random-fully',
             '-A KUBE-MARK-MASQ -j MARK --or-mark %s' % MARK]
    for i in range(n):
        rules.append('-A KUBE-SERVICES -m comment --comment "default/svc-%d:http '
                     'cluster IP" -m tcp -p tcp -d %s/32 --dport %d -j %s'
                     % (i, vip(i), PORT, ipt_svc_chain(i)))
        if only is None:
            ipt_service(chains, rules, i, eps_of(i, eps))
        elif i == only:
            ipt_service(chains, rules, i, eps_of(i, eps, new))
    rules.append('-A KUBE-SERVICES -m comment --comment "kubernetes service '
                 'nodeports; NOTE: this must be the last rule in this chain" '
                 '-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    return [IPT_FILTER, '*nat'] + chains + rules + ['COMMIT']


IPT_BASE = """*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
COMMIT"""


def ipvs_full(n, eps):
    out = []
    for i in range(n):
        out.append('-A -t %s:%d -s rr -p 600' % (vip(i), PORT))
        for a in eps_of(i, eps):
            out.append('-a -t %s:%d -r %s:%d -m' % (vip(i), PORT, a, TPORT))
    return out


def ipvs_change(i, eps, old, new):
    out = ['-d -t %s:%d -r %s:%d' % (vip(i), PORT, a, TPORT)
           for a in eps_of(i, eps, old)]
    out += ['-a -t %s:%d -r %s:%d -m' % (vip(i), PORT, a, TPORT)
            for a in eps_of(i, eps, new)]
    return out


def main(a):
    cmd, path, args = a[0], a[1], a[2:]
    base = lambda s: None if s == '-' else s
    if cmd == 'nft-full':
        out = nft_full(int(args[0]), int(args[1]))
    elif cmd == 'nft-change':
        out = nft_change(int(args[0]), int(args[1]), base(args[2]), base(args[3]))
    elif cmd == 'nft-stale':
        out = nft_stale(int(args[0]), int(args[1]), base(args[2]))
    elif cmd == 'ipt-full':
        out = ipt_sync(int(args[0]), int(args[1]))
    elif cmd == 'ipt-change':
        out = ipt_sync(int(args[0]), int(args[1]), int(args[2]), base(args[3]))
    elif cmd == 'ipt-base':
        out = [IPT_BASE]
    elif cmd == 'ipvs-full':
        out = ipvs_full(int(args[0]), int(args[1]))
    elif cmd == 'ipvs-change':
        out = ipvs_change(int(args[0]), int(args[1]), base(args[2]), base(args[3]))
    elif cmd == 'vips':
        out = ['route add to local %s/32 dev kipvs0 proto kernel' % vip(i)
               for i in range(int(args[0]))]
    else:
        sys.exit(__doc__)
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
