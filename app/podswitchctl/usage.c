/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Usage: the whole of it (--help, help) and one command's (help COMMAND,
 * COMMAND -h), from one table so that the two never disagree.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

struct usage {
	const char *cmd;
	const char *text;	/* its lines of "commands:", descriptions at 31 */
};

static const struct usage usages[] = {
	{ "status",
	  "  status                       version, node, workers, ports, "
	  "table use\n" },
	{ "route",
	  "  route list                   routes, as \"ip route\" shows "
	  "them\n"
	  "  route get ADDR               the route, next hop and neighbor "
	  "a packet to\n"
	  "                               ADDR takes (as \"ip route get\")\n"
	  "  route add [blackhole|unreachable] PREFIX [via GW] [dev PORT]\n"
	  "  route add PREFIX encap vxlan [id VNI] remote IP [mac MAC]\n"
	  "  route del PREFIX\n"
	  "  route replace -f FILE|-      replace the API and static "
	  "routes by FILE's\n"
	  "                               (a JSON list of routes, or "
	  "{\"routes\": [...]})\n" },
	{ "port",
	  "  port list                    ports with their counters\n"
	  "  port show NAME               one port: driver, device, MAC, "
	  "pod, queues,\n"
	  "                               counters\n"
	  "  port add NAME DRIVER [KEY=VALUE...] [ip POD_IP mac POD_MAC] "
	  "[queues N]\n"
	  "                               add a pod port (e.g. vhost-user "
	  "path=/run/x.sock)\n"
	  "  port add -f FILE|-           add the pod port FILE describes "
	  "(a \"ports\" entry)\n"
	  "  port del NAME                remove a pod port\n" },
	{ "fdb",
	  "  fdb                          MAC table\n" },
	{ "neigh",
	  "  neigh                        neighbor (ARP) table (also "
	  "\"neighbor\")\n" },
	{ "stats",
	  "  stats                        ports, graph nodes, drops (since "
	  "the last reset)\n"
	  "  stats reset                  count them from zero again (also "
	  "stats --reset)\n" },
	{ "top",
	  "  top [-n COUNT] [--once] [-d SECONDS]\n"
	  "                               live view, every second: busy % "
	  "per worker,\n"
	  "                               pps and drops per port, cycles "
	  "per packet per\n"
	  "                               graph node, over the last "
	  "interval\n" },
	{ "metrics",
	  "  metrics                      the Prometheus text of "
	  "/metrics\n" },
	{ "service",
	  "  service list                 services and their ports\n"
	  "  service show NS/NAME         a service's endpoints, their "
	  "connections,\n"
	  "                               packets and bytes (as ipvsadm "
	  "-L -n --stats)\n"
	  "  service apply -f FILE|-      apply Kubernetes JSON (Services, "
	  "EndpointSlices, Lists)\n"
	  "  service del NS/NAME          remove a service and its "
	  "EndpointSlices\n" },
	{ "apply",
	  "  apply -f FILE|-              same as service apply, also "
	  "Namespaces, Pods and\n"
	  "                               NetworkPolicies\n" },
	{ "conntrack",
	  "  conntrack list [FILTER...] [--limit N]\n"
	  "                               tracked connections (default "
	  "1000) that match\n"
	  "  conntrack del -p PROTO --src A --dst A --sport N --dport N\n"
	  "                               forget one connection (ICMP: --id "
	  "N for the ports)\n"
	  "  conntrack flush              forget every connection\n"
	  "    FILTER (original direction, as conntrack -L): -p tcp|udp|icmp"
	  "\n"
	  "      --src A  --dst A  --sport N  --dport N  --id N\n"
	  "      --service NS/NAME  --endpoint IP[:PORT] (where it was "
	  "DNATed)\n" },
	{ "policy",
	  "  policy list                  NetworkPolicies: local pods "
	  "selected, packets\n"
	  "                               allowed and denied\n"
	  "  policy show NS/NAME          one policy, with each rule's "
	  "counter\n" },
	{ "log",
	  "  log level                    the daemon's log level\n"
	  "  log level LEVEL              set it: debug, info, notice, "
	  "warning or error\n" },
	{ "trace",
	  "  trace start [-c N] [-p PORT] [-f FILTER]\n"
	  "                               trace the next N packets (default "
	  "10) that enter\n"
	  "                               on PORT (default every port) and "
	  "match FILTER (BPF)\n"
	  "  trace show [--json]          each traced packet's path through "
	  "the graph\n"
	  "  trace stop                   disarm (the records stay)\n"
	  "  trace clear                  forget the records\n" },
	{ "capture",
	  "  capture PORT... [-i rx|tx|both] [-f FILTER] [-c COUNT] "
	  "[-s SNAPLEN] [-w FILE|-]\n"
	  "                               write the ports' packets as "
	  "pcapng to FILE (-:\n"
	  "                               stdout) until COUNT or Ctrl-C; "
	  "FILTER in tcpdump's\n"
	  "                               language (pcap-filter(7))\n" },
	{ "help",
	  "  help [COMMAND]               this text, or COMMAND's alone "
	  "(also COMMAND -h)\n" },
};

#define USAGE_LINE "usage: podswitchctl [--socket PATH | --tcp HOST:PORT] " \
		   "[--token TOKEN] [--json] COMMAND\n"

void
ctl_usage(FILE *f)
{
	unsigned int i;

	fputs(USAGE_LINE, f);
	if (f == stderr)
		return;
	fputs("\ncommands:\n", f);
	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		fputs(usages[i].text, f);
	fputs("\n"
	      "options:\n"
	      "  --socket PATH   the API's Unix socket (default $PODSWITCH_SOCKET"
	      " or " CTL_DEFAULT_SOCKET ")\n"
	      "  --tcp HOST:PORT the API's TCP listener (api.listen)\n"
	      "  --token TOKEN   bearer token (default $PODSWITCH_TOKEN)\n"
	      "  --json          print the server's JSON as is, for scripts\n"
	      "  --version       print podswitchctl's version\n"
	      "\n"
	      "exit status: 0 ok, 1 failure (one line on stderr), 2 usage\n",
	      f);
}

int
ctl_command_help(const char *cmd)
{
	unsigned int i;

	if (strcmp(cmd, "neighbor") == 0)
		cmd = "neigh";
	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		if (strcmp(usages[i].cmd, cmd) == 0) {
			printf("usage: podswitchctl [OPTIONS] %s ...\n"
			       "(OPTIONS: podswitchctl --help)\n\n%s",
			       cmd, usages[i].text);
			return CTL_EXIT_OK;
		}
	return ctl_usage_error("help: unknown command '%s'", cmd);
}
