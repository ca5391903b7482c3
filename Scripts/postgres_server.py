"""A throwaway PostgreSQL server for the checkers (Scripts/chaos --postgres): Debian's initdb and pg_ctl in a
temporary folder on a free port, run as `nobody` when this is root (PostgreSQL refuses root), stopped and removed
on leaving. Python standard library only; the tests' own server is Tests/MailroomTestSupport/PostgresServer.swift."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

from private_topology import free_port


class PostgresServer:
    """`with PostgresServer() as pg:` gives pg.url (a fresh database `mailroom`) and pg.query(sql) -> rows."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[-3]))
        if not found:
            sys.exit("E: PostgreSQL is not installed: apt-get install postgresql")
        self.bin = os.path.dirname(found[-1])
        self.as_nobody = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="mailroom-pg-", dir="/var/tmp" if self.as_nobody else None)
        self.port = free_port()
        self.url = f"postgres://mailroom@127.0.0.1:{self.port}/mailroom"

    def _run(self, tool, *args, capture=False):
        command = [os.path.join(self.bin, tool), *args]
        if self.as_nobody:
            command = ["runuser", "-u", "nobody", "--", *command]
        return subprocess.run(command, check=True, text=True, cwd="/",
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def __enter__(self):
        if self.as_nobody:
            shutil.chown(self.dir, "nobody")
        self._run("initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "mailroom", "--locale=C", "-E", "UTF8", "--no-sync")
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-w", "-l", f"{self.dir}/server.log", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")
        self.query("CREATE DATABASE mailroom", database="postgres")
        return self

    def query(self, sql, database="mailroom"):
        out = self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "mailroom", "-d", database,
                        "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, capture=True).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def __exit__(self, *exc):
        subprocess.run((["runuser", "-u", "nobody", "--"] if self.as_nobody else [])
                       + [os.path.join(self.bin, "pg_ctl"), "-D", f"{self.dir}/data", "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        shutil.rmtree(self.dir, ignore_errors=True)
        return False
