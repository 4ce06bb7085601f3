// Package interop runs the store layouts against a Python peer
// (peer.py: redis-py, SQLAlchemy 1.4 and pymongo doing what teleredis,
// TG-UserBot, alchemysession, telemongo and pyrofork do) in both
// directions. The tests need -tags interop, the servers of the store tests
// and Debian's python3-redis, python3-sqlalchemy, python3-psycopg2,
// python3-pymysql and python3-pymongo; peer.py also measures the Python
// side of docs/benchmarks-stores.md.
package interop
