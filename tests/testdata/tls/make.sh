#!/bin/sh
# Regenerates the TEST-ONLY certificates of tests/auth_test.cc (never use
# them for anything else: their private keys are public).  Valid for 100
# years so that the committed files do not expire under the tests.
#   ca.pem           the test CA
#   server.pem/.key  the coordinator: SAN IP 127.0.0.1, ::1, DNS localhost
#   client.pem/.key  a client certificate signed by ca.pem (mutual TLS)
#   other-ca.pem     an unrelated CA, and other-client.pem/.key signed by it
set -eu
cd "$(dirname "$0")"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ca() {  # NAME SUBJECT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$tmp/$1.key" -out "$1.pem" -days $days -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() {  # NAME CA SUBJECT EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$1.key" -out "$tmp/$1.csr" -subj "/CN=$3" 2>/dev/null
  printf '%s\n' "$4" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$2.pem" -CAkey "$tmp/$2.key" \
    -CAcreateserial -CAserial "$tmp/$2.srl" -out "$1.pem" -days $days \
    -extfile "$tmp/$1.ext" 2>/dev/null
}

ca ca "Gridless test CA"
ca other-ca "Unrelated test CA"
leaf server ca "gridless-coordinator" \
  "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca "gridless test client" "extendedKeyUsage=clientAuth"
leaf other-client other-ca "unrelated client" "extendedKeyUsage=clientAuth"
echo "wrote $(ls *.pem *.key | tr '\n' ' ')"
