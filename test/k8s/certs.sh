#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# certs.sh DIR SERVER_IP...: a test cluster's PKI and kubeconfigs in DIR:
# ca.pem, server.pem/server-key.pem (SANs: the IPs, 127.0.0.1, localhost),
# client.pem/client-key.pem (CN system:node:test), token, and
#   kubeconfig-token  (CA inline, bearer token inline)
#   kubeconfig-cert   (CA file, client certificate and key as files)
# The server URL is https://FIRST_IP:6443 unless $APISERVER_PORT says.
set -euo pipefail
dir=$1
shift
port=${APISERVER_PORT:-6443}
mkdir -p "$dir"
cd "$dir"
san="IP:127.0.0.1,DNS:localhost"
for ip in "$@"; do san="$san,IP:$ip"; done
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=podswitch-test-ca \
	-keyout ca-key.pem -out ca.pem 2>/dev/null
# issue NAME SUBJECT EXTENSIONS: NAME.pem and NAME-key.pem, signed by the CA
issue() {
	openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1-key.pem" \
		-out "$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
		-days 2 -extfile <(printf '%s\n' "$3") -out "$1.pem" 2>/dev/null
}
issue server /CN=kube-apiserver "subjectAltName=$san"
issue client "/O=system:nodes/CN=system:node:test" "extendedKeyUsage=clientAuth"
head -c 24 /dev/urandom | base64 | tr -d '/+=' > token
server="https://${1:-127.0.0.1}:$port"
cat > kubeconfig-token <<EOK
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < ca.pem)
users:
- name: agent
  user:
    token: $(cat token)
contexts:
- name: test
  context: {cluster: test, user: agent}
current-context: test
EOK
cat > kubeconfig-cert <<EOK
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $server
    certificate-authority: ca.pem
users:
- name: node
  user:
    client-certificate: client.pem
    client-key: client-key.pem
contexts:
- name: other
  context: {cluster: nowhere, user: nobody}
- name: test
  context: {cluster: test, user: node}
current-context: test
EOK
