// DQL, the query language over model space (ModelHub, ICDE 2017): select, slice, construct
// and evaluate. The parse tree becomes the immutable AST of Ast.java (AstBuilder); DqlToRel
// translates it into a Calcite plan. Keywords are case-insensitive; strings take " or '.
grammar DqlGrammar;

options { caseInsensitive = true; }

statement   : EXPLAIN? body SEMI? EOF ;

body        : selectStmt | sliceStmt | constructStmt | evaluateStmt ;

selectStmt    : SELECT var=ID (FROM source)? (WHERE condition)? ;
sliceStmt     : SLICE var=ID FROM source (WHERE condition)?
                MUTATE sliceMutation (AND sliceMutation)* ;
constructStmt : CONSTRUCT var=ID FROM source (WHERE condition)?
                MUTATE mutation (AND mutation)* ;
evaluateStmt  : EVALUATE var=ID FROM source WITH config=ID EQ STRING
                (VARY varyItem (AND varyItem)*)? (KEEP keepRule)? ;

source      : ID | STRING ;

condition   : NOT condition                                   # notCondition
            | condition AND condition                         # andCondition
            | condition OR condition                          # orCondition
            | LPAREN condition RPAREN                         # parenCondition
            | LIKE STRING                                     # nameLike
            | property NOT? LIKE STRING                       # propertyLike
            | property op=(EQ | NEQ | LT | LE | GT | GE) literal  # comparison
            | selector hop? HAS template                      # hasCondition
            | selector hop?                                   # existsCondition
            ;

property    : var=ID DOT name=ID (LBRACKET key=STRING RBRACKET)? ;
selector    : var=ID LBRACKET pattern=STRING RBRACKET ;
hop         : DOT ID ;
template    : type=ID LPAREN (argument (COMMA argument)*)? RPAREN ;
argument    : (key=ID EQ)? literal ;
literal     : STRING | NUMBER | STAR ;

sliceMutation : var=ID DOT end=ID EQ selector ;
mutation      : selector DOT action=ID (EQ template)? ;

varyItem    : varyTarget IN LBRACKET literal (COMMA literal)* RBRACKET
            | varyTarget AUTO ;
varyTarget  : var=ID DOT key=ID
            | selector DOT key=ID ;
keepRule    : TOP LPAREN count=NUMBER COMMA selector COMMA iterations=NUMBER RPAREN ;

SELECT    : 'select' ;
SLICE     : 'slice' ;
CONSTRUCT : 'construct' ;
EVALUATE  : 'evaluate' ;
EXPLAIN   : 'explain' ;
FROM      : 'from' ;
WHERE     : 'where' ;
MUTATE    : 'mutate' ;
WITH      : 'with' ;
VARY      : 'vary' ;
KEEP      : 'keep' ;
TOP       : 'top' ;
AUTO      : 'auto' ;
IN        : 'in' ;
AND       : 'and' ;
OR        : 'or' ;
NOT       : 'not' ;
LIKE      : 'like' ;
HAS       : 'has' ;

EQ        : '=' ;
NEQ       : '!=' | '<>' ;
LE        : '<=' ;
GE        : '>=' ;
LT        : '<' ;
GT        : '>' ;
LPAREN    : '(' ;
RPAREN    : ')' ;
LBRACKET  : '[' ;
RBRACKET  : ']' ;
COMMA     : ',' ;
DOT       : '.' ;
SEMI      : ';' ;
STAR      : '*' ;

NUMBER    : '-'? DIGIT+ ('.' DIGIT+)? ('e' [+-]? DIGIT+)? ;
STRING    : '"' ( '\\' . | ~["\\\r\n] )* '"'
          | '\'' ( '\\' . | '\'\'' | ~['\\\r\n] )* '\'' ;
ID        : [a-z_] [a-z_0-9]* ;

fragment DIGIT : [0-9] ;

COMMENT   : '--' ~[\r\n]* -> skip ;
WS        : [ \t\r\n]+ -> skip ;
// anything else is one bad character, so the parser reports it where it stands
ERROR_CHAR : . ;
