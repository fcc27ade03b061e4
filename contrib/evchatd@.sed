# evchatd@.sed: makes evchatd@.service, the template of one cluster node (evchatd@NAME reads
# @evchatdconfdir@/NAME.conf and is node NAME), out of evchatd.service; see contrib/cluster/README.
s|^Description=.*|Description=evchat chat daemon, cluster node %i|
s|^Documentation=.*|&\nAfter=network-online.target\nWants=network-online.target|
s|^\(ExecStart=.*evchatd\)$|\1 --config @evchatdconfdir@/%i.conf --node-name %i|
