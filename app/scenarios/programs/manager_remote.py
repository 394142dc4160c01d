import multiprocessing
from multiprocessing.managers import BaseManager

rounds = 3
wrong_key = False


class Scoreboard:
    """A shared object of our own: it lives in the server process, and the clients reach
    it through proxies."""

    def __init__(self):
        self.scores = {}

    def add(self, player, points):
        self.scores[player] = self.scores.get(player, 0) + points
        return self.scores[player]

    def total(self):
        return sum(self.scores.values())


# Every process that runs this file makes one, but only the server's is ever used: the
# server calls get_board() when a client asks for the board.
board = Scoreboard()


def get_board():
    return board


class ScoreManager(BaseManager):
    pass


# Each client calls manager.get_board() and gets a proxy to the one board in the server.
ScoreManager.register("get_board", callable=get_board)


def play(player, address, authkey):
    # A manager that only connects: the server is already running at `address`.
    manager = ScoreManager(address=address, authkey=authkey)
    try:
        manager.connect()
    except multiprocessing.AuthenticationError as error:
        print(player, "was turned away:", error)
        return
    board = manager.get_board()
    for _ in range(rounds):
        board.add(player, 1)


if __name__ == "__main__":
    secret = b"let me in"
    # Port 0: the OS picks a free port, and server.address says which one.
    with ScoreManager(address=("127.0.0.1", 0), authkey=secret) as server:
        alice = multiprocessing.Process(target=play, args=("alice", server.address, secret))
        bob = multiprocessing.Process(target=play, args=("bob", server.address, secret))
        players = [alice, bob]
        if wrong_key:
            eve = multiprocessing.Process(target=play, args=("eve", server.address, b"guess"))
            players.append(eve)
        for p in players:
            p.start()
        for p in players:
            p.join()
        board = server.get_board()
        print("total:", board.total(), "expected:", 2 * rounds)
    # Leaving the with block shuts the server down: nothing listens on the port any more.
