#!/bin/sh
ip route add 10.200.0.0/24 dev wg0
