; Self-modifying code in real mode.  The ROM copies two payloads to RAM
; (ROM is not writable) and runs them:
;  - at 0000:1000, inside one page: a store that patches the very next
;    instruction of the same translation unit, a subroutine patched after
;    it has run (its cached translation must go), and REP STOSB (the string
;    fast path) overwriting code that has run;
;  - at 0000:1FC0, code that crosses the 0x2000 page boundary with an
;    instruction straddling it: patching its bytes on the second page, and
;    an instruction wholly on the second page, must both take effect.
; Prints "smc ok" on port 0xE9, exits with 0 on port 0xF4, or with the
; number of the failing check.
	bits 16
	org 0
P1	equ 0x1000
P2	equ 0x1FC0
%define R1(x) (P1 + (x) - pay1)
%define R2(x) (P2 + (x) - pay2)

start:	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	push cs
	pop ds
	cld
	mov si, pay1
	mov di, P1
	mov cx, pay1_end - pay1
	rep movsb
	mov si, pay2
	mov di, P2
	mov cx, pay2_end - pay2
	rep movsb
	xor ax, ax
	mov ds, ax
	call 0:P1
	call 0:P2
	mov si, okmsg
.pr:	mov al, [cs:si]
	test al, al
	jz .done
	out 0xE9, al
	inc si
	jmp .pr
.done:	mov al, 0
	out 0xF4, al
	hlt

; ---- payload 1: position-dependent, runs at 0000:1000 -------------------
pay1:
	mov bl, 1                  ; patch the next instruction in the same TU
	mov byte [R1(p1a) + 1], 42
p1a:	mov al, 7
	cmp al, 42
	jne fail1

	mov bl, 2                  ; run, patch, run again
	call sub1
	cmp al, 1
	jne fail1
	mov byte [R1(sub1) + 1], 2
	call sub1
	cmp al, 2
	jne fail1

	mov bl, 3                  ; a word store patching the immediate of a
	mov word [R1(p3a) + 1], 0x1234  ; 16-bit MOV two instructions ahead
	nop
p3a:	mov dx, 0x5555
	cmp dx, 0x1234
	jne fail1

	mov bl, 4                  ; REP STOSB turns a run subroutine into NOPs
	mov ax, 5
	call sub2
	cmp ax, 6
	jne fail1
	mov di, R1(sub2)
	mov cx, sub2_ret - sub2
	mov al, 0x90
	rep stosb
	mov ax, 5
	call sub2
	cmp ax, 5
	jne fail1
	retf
fail1:	mov al, bl
	out 0xF4, al
	hlt

sub1:	mov al, 1
	ret
sub2:	inc ax
	inc ax
	dec ax
sub2_ret:
	ret
pay1_end:

; ---- payload 2: runs at 0000:1FC0, crossing into the page at 0x2000 -----
pay2:
	mov bl, 5
	mov cx, 2
.loop:	call sub3                  ; EAX from the straddling MOV
	cmp cx, 2
	jne .second
	cmp eax, 0x11223344
	jne fail2
	mov byte [R2(p5a) + 5], 0x99   ; its top immediate byte, on page 0x2000
	mov byte [R2(p5b) + 1], 0x77   ; MOV BL, imm8 wholly on page 0x2000
	loop .loop
.second:
	cmp eax, 0x99223344
	jne fail2
	cmp bh, 0x77
	jne fail2
	retf
fail2:	mov al, bl
	out 0xF4, al
	hlt
	times (0x2000 - P2) - 5 - ($ - pay2) nop
sub3:	jmp short p5a              ; at 0x1FFB
	nop
p5a:	mov eax, 0x11223344        ; 66 B8 imm32: bytes 0x1FFE..0x2003
p5b:	mov bh, 0x55
	ret
pay2_end:

okmsg:	db "smc ok", 10, 0

times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
